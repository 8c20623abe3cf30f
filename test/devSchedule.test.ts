/**
 * The dev worker's scheduler, in-process (startDevWorker) with a real handler
 * process: the user's entry is built with the runtime's createWorkerHandler
 * (resolved by dev's resolve hook: the project has no node_modules).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { startDevWorker } from "../src/dev/worker.js";
import { workerScheduleArn } from "../src/events/origin.js";
import { ScheduleError } from "../src/schedule/index.js";
import { post, readLog, request, waitForEvent, useDevWorker } from "./support/devServer.js";
import { atFromNow, SCHEDULED_HANDLER } from "./support/schedule.js";

type Run = { ok: boolean; trigger: string; executionId: string; scheduledTime: string; error?: string; next: string | null };

const dev = useDevWorker();

async function start(schedule: string, options: { schedule?: boolean } = {}) {
  const project = await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: schedule, LETSGO_WORKER_FUNCTION_TIMEOUT: 30 } });
  const worker = await dev.worker({ projectDir: project.dir, watch: false, ...options });
  assert.equal(worker.handler.loaded, true, worker.handler.error);
  return { project, worker };
}

const scheduledRuns = async (log: string) => (await readLog(log)).filter((line: any) => line.event) as any[];

describe("dev worker schedule", () => {
  it("fires the scheduled handler at the schedule's time with the event EventBridge Scheduler delivers", async () => {
    const at = atFromNow(2);
    const { project, worker } = await start(at.expression);
    assert.equal(worker.schedule.state, "on");
    assert.equal(worker.schedule.next?.toISOString(), at.iso);
    const run = await waitForEvent(worker, "schedule:ran");
    assert.equal(run.ok, true, run.ok ? undefined : run.error);
    assert.equal(run.trigger, "schedule");
    assert.equal(run.scheduledTime, at.iso);
    assert.equal(run.next, null, "an at() schedule fires once");

    const [logged] = await scheduledRuns(project.log);
    assert.deepEqual(logged.event, {
      version: "0",
      id: run.executionId,
      "detail-type": "Scheduled Event",
      source: "aws.scheduler",
      account: "000000000000",
      time: at.iso.replace(".000Z", "Z"),
      region: "us-west-2",
      resources: [workerScheduleArn({ deployment: "main", region: "us-west-2" })],
      detail: "{}",
    });
    assert.equal(logged.functionName, "letsgo-main-worker");
    assert.ok(logged.remaining > 0 && logged.remaining <= 30_000, `remaining ${logged.remaining}`);
  });

  it("reports a throwing or exiting scheduled handler (500 to POST /schedule) and carries on", async () => {
    const { project, worker } = await start("cron(0 0 1 1 ? *)");
    await writeFile(`${project.log}.mode`, "throw");
    const thrown = await request(worker.url, "POST", "/schedule");
    assert.equal(thrown.status, 500);
    assert.match(thrown.body.error, /scheduled on purpose/);
    assert.equal(typeof thrown.body.executionId, "string");

    await writeFile(`${project.log}.mode`, "exit");
    const exited = await request(worker.url, "POST", "/schedule");
    assert.equal(exited.status, 500);
    assert.match(exited.body.error, /exited \(code 3\)/);

    await writeFile(`${project.log}.mode`, "ok");
    const fine = await request(worker.url, "POST", "/schedule");
    assert.equal(fine.status, 200);
    assert.equal(fine.body.ok, true);
    assert.equal(typeof fine.body.durationMs, "number");
    assert.equal(fine.body.trigger, "request");

    const handled = waitForEvent(worker, "message:handled");
    assert.equal((await post(worker.url, { type: "Ping", payload: { n: 1 } })).status, 201);
    await handled;
    assert.equal((await scheduledRuns(project.log)).length, 3);
    assert.equal(worker.schedule.state, "on", "the schedule is still armed");
  });

  it("with the schedule off (--no-schedule) fires nothing on its own, but POST /schedule still runs it", async () => {
    const at = atFromNow(1);
    const { project, worker } = await start(at.expression, { schedule: false });
    assert.equal(worker.schedule.state, "off");
    assert.equal(worker.schedule.next, null);
    assert.equal((await request(worker.url, "POST", "/schedule")).status, 200);
    // Let the at() time pass: nothing may fire on its own.
    await sleep(Math.max(0, Date.parse(at.iso) - Date.now()) + 300);
    const runs = await scheduledRuns(project.log);
    assert.equal(runs.length, 1);
  });

  it("with an empty LETSGO_WORKER_SCHEDULE has no schedule, but POST /schedule still runs it", async () => {
    const { project, worker } = await start("");
    assert.equal(worker.schedule.state, "none");
    assert.equal(worker.schedule.next, null);
    const reply = await request(worker.url, "POST", "/schedule");
    assert.equal(reply.status, 200);
    assert.equal((await scheduledRuns(project.log)).length, 1);
  });

  it("refuses to start on a schedule EventBridge Scheduler would reject, naming the file", async () => {
    const project = await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: "rate(5 minute)" } });
    await assert.rejects(startDevWorker({ projectDir: project.dir, watch: false }), (error: Error) => {
      assert.ok(error instanceof ScheduleError);
      assert.match(error.message, /apps\/worker\/\.env: Schedule "rate\(5 minute\)" is not valid.*--no-schedule/);
      return true;
    });
  });
});
