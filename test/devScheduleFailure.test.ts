/**
 * A failing scheduled run in dev ends as it does in AWS: Lambda retries the
 * asynchronous invocation twice, then its record goes to the worker's DLQ, and
 * redriving it runs the scheduled handler again. A manual POST /schedule is a
 * synchronous invocation: its error goes back to the caller, nothing is retried.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { scheduledRunFailureRecord } from "../src/dev/schedule/scheduledRuns.js";
import { SCHEDULED_RUN_TYPE } from "../src/runtime/messageTypes.js";
import { scheduledEventInBody } from "../src/runtime/redrivenRun.js";
import { readLog, request, waitForEvent, type TestProject, useDevWorker } from "./support/devServer.js";
import { atFromNow, SCHEDULED_HANDLER } from "./support/schedule.js";

type Run = { ok: boolean; trigger: string; executionId: string; attempt: number; maxAttempts: number; error?: string; retryInMs?: number; deadLetterId?: string };

const dev = useDevWorker();
/** One project per test; a test may start several dev workers on it, one after another. */
let project: TestProject | undefined;
afterEach(() => {
  project = undefined;
});

async function start(schedule: string, options: { schedule?: boolean; scheduledRetryDelaysMs?: number[] } = {}) {
  project ??= await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: schedule, LETSGO_WORKER_FUNCTION_TIMEOUT: 30 } });
  const worker = await dev.worker({ projectDir: project.dir, ...options });
  assert.equal(worker.handler.loaded, true, worker.handler.error);
  return { project, worker };
}

const scheduledRuns = async (log: string) => (await readLog(log)).filter((line: any) => line.event).map((line: any) => line.event);

describe("dev worker failed scheduled runs", () => {
  it("retries a failing scheduled run twice, dead-letters it as Lambda's failure record, and a redrive runs it again", async () => {
    const at = atFromNow(2);
    project = await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: at.expression, LETSGO_WORKER_FUNCTION_TIMEOUT: 30 } });
    await writeFile(`${project.log}.mode`, "throw");
    const { worker } = await start(at.expression, { scheduledRetryDelaysMs: [50, 100] });
    const runs: Run[] = [];
    worker.on("schedule:ran", (run) => runs.push(run as Run));
    const dead = await waitForEvent(worker, "message:dead");

    assert.equal(dead.type, SCHEDULED_RUN_TYPE);
    assert.equal(dead.attempts, 3);
    assert.deepEqual(runs.map((r) => [r.attempt, r.maxAttempts, r.ok, r.retryInMs, r.deadLetterId]), [
      [1, 3, false, 50, undefined],
      [2, 3, false, 100, undefined],
      [3, 3, false, undefined, dead.id],
    ]);
    const executionId = runs[0]!.executionId;
    assert.match(executionId, /^[0-9a-f]{16}$/, "an id as EventBridge Scheduler's execution id, not a UUID");
    assert.ok(runs.every((r) => r.executionId === executionId && r.trigger === "schedule"), "every attempt runs the same event");
    const events = await scheduledRuns(project.log);
    assert.deepEqual(events.map((e: any) => e.id), [executionId, executionId, executionId]);

    const [entry] = (await request(worker.url, "GET", "/dlq")).body.messages;
    assert.equal(entry.messageId, dead.id);
    assert.equal(entry.type, "letsgo:scheduled-run");
    assert.equal(entry.receiveCount, 3);
    assert.match(entry.lastError, /scheduled on purpose/);
    const record = JSON.parse(entry.body);
    assert.equal(record.requestContext.condition, "RetriesExhausted");
    assert.equal(record.requestContext.approximateInvokeCount, 3);
    assert.equal(record.requestContext.functionArn, "arn:aws:lambda:us-west-2:000000000000:function:letsgo-main-worker:$LATEST");
    assert.deepEqual(record.requestPayload, events[0]);
    assert.equal(record.responseContext.functionError, "Unhandled");
    assert.match(record.responsePayload.errorMessage, /scheduled on purpose/);
    assert.ok(Array.isArray(record.responsePayload.trace) && record.responsePayload.trace.length > 1, "the stack's lines, as the Node.js runtime reports an error");
    assert.match(record.responsePayload.trace[0], /scheduled on purpose/);
    assert.deepEqual(scheduledEventInBody(entry.body), events[0], "the runtime recognises it as a failed run");
    assert.equal((await request(worker.url, "GET", "/stats")).body.dead, 1);

    // Fixed: redrive runs the scheduled handler again, with the same event.
    await writeFile(`${project.log}.mode`, "ok");
    const handled = waitForEvent(worker, "message:handled");
    const redriven = (await request(worker.url, "POST", `/dlq/redrive?messageId=${dead.id}`)).body;
    assert.deepEqual(redriven, { redriven: 1, messageId: dead.id, newMessageId: redriven.newMessageId, messages: [{ from: dead.id, messageId: redriven.newMessageId }] });
    assert.deepEqual(await handled, { ...(await handled), id: redriven.newMessageId, type: SCHEDULED_RUN_TYPE });
    const after = await scheduledRuns(project.log);
    assert.equal(after.length, 4);
    assert.deepEqual(after[3], events[0]);
    assert.deepEqual((await request(worker.url, "GET", "/dlq")).body.messages, []);
  });

  it("puts a run still waiting for its retry in the DLQ when dev stops, where it survives a restart", async () => {
    const at = atFromNow(1);
    project = await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: at.expression, LETSGO_WORKER_FUNCTION_TIMEOUT: 30 } });
    await writeFile(`${project.log}.mode`, "throw");
    const { worker } = await start(at.expression, { scheduledRetryDelaysMs: [60_000] });
    const first = await waitForEvent(worker, "schedule:ran");
    assert.equal(first.ok ? undefined : first.retryInMs, 60_000);
    const dead = waitForEvent(worker, "message:dead");
    await worker.close();
    const { id } = await dead;

    const { worker: again } = await start(at.expression, { schedule: false });
    const dlq = (await request(again.url, "GET", "/dlq")).body.messages;
    assert.deepEqual(dlq.map((m: any) => [m.messageId, m.type, m.receiveCount]), [[id, SCHEDULED_RUN_TYPE, 1]]);
    assert.match(dlq[0].lastError, /scheduled on purpose \(dev stopped before attempt 2 of 2\)/);
  });

  it("answers a failing POST /schedule with 500 once: no retry, nothing in the DLQ", async () => {
    const { project, worker } = await start("");
    await writeFile(`${project.log}.mode`, "throw");
    const reply = await request(worker.url, "POST", "/schedule");
    assert.equal(reply.status, 500);
    assert.match(reply.body.error, /scheduled on purpose/);
    assert.equal(reply.body.attempt, 1);
    assert.equal(reply.body.maxAttempts, 1);
    assert.equal((await scheduledRuns(project.log)).length, 1);
    assert.deepEqual((await request(worker.url, "GET", "/dlq")).body.messages, []);
  });
});

describe("Function: scheduledRunFailureRecord", () => {
  it("splits the error into Lambda's errorType and errorMessage", () => {
    const body = (error: string) =>
      JSON.parse(scheduledRunFailureRecord({ origin: { deployment: "main", region: "eu-west-1" }, event: {}, requestId: "r", attempts: 3, error, at: 0 }));
    assert.deepEqual(body("ScheduledRunError: Scheduled run failed: Error: x").responsePayload, {
      errorType: "ScheduledRunError",
      errorMessage: "Scheduled run failed: Error: x",
      trace: [],
    });
    assert.deepEqual(body("Task timed out after 1.00 seconds").responsePayload, { errorType: "Error", errorMessage: "Task timed out after 1.00 seconds", trace: [] });
    const traced = JSON.parse(
      scheduledRunFailureRecord({ origin: { deployment: "main", region: "eu-west-1" }, event: {}, requestId: "r", attempts: 1, error: "Error: x", stack: "Error: x\n    at run (index.ts:3:9)", at: 0 }),
    );
    assert.deepEqual(traced.responsePayload.trace, ["Error: x", "    at run (index.ts:3:9)"]);
    assert.equal(body("x").requestContext.functionArn, "arn:aws:lambda:eu-west-1:000000000000:function:letsgo-main-worker:$LATEST");
  });
});
