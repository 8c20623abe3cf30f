/**
 * Where SQS and Scheduler behave in ways a local queue easily gets wrong, `dev`
 * does as they do, through a real dev worker and handler process: messages
 * expire after the retention period (DLQ: 14 days from the first send), a
 * redrive makes a new message (new id, new send time), a rate() schedule first
 * fires at once, settings AWS would refuse are refused with deploy's message,
 * and --at-least-once delivers twice and out of order on request.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { encodeRecord } from "../src/dev/journal/journalFormat.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { startDevWorker } from "../src/dev/worker.js";
import { SettingsError } from "../src/errors.js";
import { post, readLog, RECORDING_HANDLER, request, useDevWorker, waitForEvent } from "./support/devServer.js";
import { SCHEDULED_HANDLER } from "./support/schedule.js";

const dev = useDevWorker();
const DAY = 86_400_000;

describe("dev: retention, as SQS's", () => {
  it("drops what is older than LETSGO_WORKER_MESSAGE_RETENTION, and dead messages older than the DLQ's 14 days from their first send", async () => {
    // Prepare: a journal left by an earlier run, its messages sent days ago.
    const project = await dev.project({ handler: "export async function handler() { return { batchItemFailures: [] }; }", env: { LETSGO_WORKER_MESSAGE_RETENTION: 86_400 } });
    const now = Date.now();
    const body = (type: string) => JSON.stringify({ type, payload: {} });
    const records: QueueRecord[] = [
      { k: "e", id: "old-waiting", ty: "Old", b: body("Old"), t: now - 2 * DAY, v: now - 2 * DAY },
      { k: "s", id: "old-dead", ty: "Dead", b: body("Dead"), t: now - 15 * DAY, c: 3, fr: now - 15 * DAY, v: now - 15 * DAY, dead: 1, dt: now - 15 * DAY, err: "Error: boom" },
      { k: "s", id: "young-dead", ty: "Dead", b: body("Dead"), t: now - 5 * DAY, c: 3, fr: now - 5 * DAY, v: now - 5 * DAY, dead: 1, dt: now - 5 * DAY, err: "Error: boom" },
      { k: "e", id: "fresh", ty: "Fresh", b: body("Fresh"), t: now - 60_000, v: now + 3_600_000 },
    ];
    const stateDir = path.join(project.dir, "apps", "worker", ".letsgo");
    await mkdir(stateDir, { recursive: true });
    await writeFile(path.join(stateDir, "queue.journal"), records.map((r) => encodeRecord(r)).join(""));

    // Act
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    const expired: Array<{ id: string; dead: boolean; ageSeconds: number }> = [];
    worker.on("message:expired", (e) => expired.push(e));
    const deadline = Date.now() + 60_000;
    while (expired.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    // Assess
    assert.deepEqual(expired.map((e) => [e.id, e.dead]).sort(), [["old-dead", true], ["old-waiting", false]]);
    assert.ok(expired.find((e) => e.id === "old-waiting")!.ageSeconds >= 2 * 86_400);
    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.equal(stats.expired, 2);
    assert.equal(stats.dead, 1, "the DLQ keeps a message 14 days from its first send");
    assert.equal(stats.delayed, 1, "a message sent a minute ago (delayed an hour) stays");
  });
});

describe("dev: redrive, as SQS's", () => {
  it("moves a dead message back as a new message: new id and send time; the handler sees those, the reply pairs old and new", async () => {
    const { project, worker } = await dev.start({ env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, LETSGO_WORKER_BATCHING_WINDOW: 0 } });
    const dead = waitForEvent(worker, "message:dead");
    const sent = await post(worker.url, { type: "Order", payload: { fail: true } });
    const oldId = sent.body.messageIds[0] as string;
    assert.equal((await dead).id, oldId);

    const redriveAt = Date.now();
    const redriven = waitForEvent(worker, "message:redriven");
    const handledAgain = waitForEvent(worker, "message:failed", (o) => o.id !== oldId);
    const reply = await request(worker.url, "POST", `/dlq/redrive?messageId=${oldId.slice(0, 8)}`);
    assert.equal(reply.status, 200);
    const newId = reply.body.newMessageId as string;
    assert.notEqual(newId, oldId);
    assert.deepEqual(reply.body.messages, [{ from: oldId, messageId: newId }]);
    assert.deepEqual(await redriven, { from: oldId, id: newId, type: "Order" });
    assert.equal((await handledAgain).id, newId);

    const batches = await readLog(project.log);
    const record = batches.at(-1)!.event.Records[0]!;
    assert.equal(record.messageId, newId);
    assert.equal(record.attributes.ApproximateReceiveCount, "1");
    assert.ok(Number(record.attributes.SentTimestamp) >= redriveAt, "sent at the redrive, as SQS's redrive does");
  });
});

describe("dev: schedules, as Scheduler's", () => {
  it("fires a rate() schedule at once when dev starts, then every interval", async () => {
    const started = Date.now();
    const project = await dev.project({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: "rate(1 hour)", LETSGO_WORKER_FUNCTION_TIMEOUT: 30 } });
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    const run = await waitForEvent(worker, "schedule:ran");
    assert.equal(run.ok, true);
    assert.equal(run.trigger, "schedule");
    const due = Date.parse(run.scheduledTime);
    assert.ok(due >= started - 1000 && due <= Date.now(), `first run due at the start, got ${run.scheduledTime}`);
    assert.equal(Date.parse(run.next!) - due, 3_600_000, "then one interval later");
  });
});

describe("dev: settings AWS would refuse", () => {
  for (const [name, env, message] of [
    ["a visibility timeout shorter than the function timeout", "LETSGO_WORKER_VISIBILITY_TIMEOUT=30\nLETSGO_WORKER_FUNCTION_TIMEOUT=120\n", /\(30 s\) is shorter than LETSGO_WORKER_FUNCTION_TIMEOUT \(120 s\)/],
    ["a batch over 10 without a batching window", "LETSGO_WORKER_BATCH_SIZE=20\nLETSGO_WORKER_BATCHING_WINDOW=0\n", /AWS requires LETSGO_WORKER_BATCHING_WINDOW of at least 1 s for batches larger than 10/],
  ] as const) {
    it(`refuses ${name}, with deploy's message`, async () => {
      const project = await dev.project({ handler: "export async function handler() { return {}; }" });
      await writeFile(path.join(project.dir, "apps", "worker", ".env"), env);
      await assert.rejects(startDevWorker({ projectDir: project.dir, port: 0, watch: false }), (error: unknown) => error instanceof SettingsError && message.test(error.message));
    });
  }
});

describe("dev --at-least-once: SQS's delivery, on request", () => {
  it("delivers handled messages once more and says so each time; never a third time", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER, env: { LETSGO_WORKER_BATCHING_WINDOW: 0 } });
    const worker = await dev.worker({ projectDir: project.dir, watch: false, atLeastOnce: true, duplicateShare: 1 });
    assert.deepEqual(worker.lambdaWorld.atLeastOnce, { duplicateShare: 1 });
    const duplicated: string[] = [];
    worker.on("message:duplicated", (o: { id: string }) => duplicated.push(o.id));
    const handled: Array<{ id: string; attempt: number }> = [];
    worker.on("message:handled", (o: { id: string; attempt: number }) => handled.push(o));
    const sent = await post(worker.url, Array.from({ length: 5 }, (_, n) => ({ type: "Order", payload: { n } })));
    const ids = sent.body.messageIds as string[];
    const deadline = Date.now() + 60_000;
    while (handled.length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual([...duplicated].sort(), [...ids].sort(), "each first delivery came back once");
    assert.deepEqual(handled.map((o) => `${o.id}:${o.attempt}`).sort(), ids.flatMap((id) => [`${id}:1`, `${id}:2`]).sort());
    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.deepEqual([stats.processed, stats.visible + stats.inFlight], [5, 0], "deleted after the second delivery");
  });

  it("hands batches over in no particular order", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER, env: { LETSGO_WORKER_BATCHING_WINDOW: 1 } });
    const worker = await dev.worker({ projectDir: project.dir, watch: false, atLeastOnce: true, duplicateShare: 0 });
    const handled: string[] = [];
    worker.on("message:handled", (o: { id: string }) => handled.push(o.id));
    const ids: string[] = [];
    for (let request = 0; request < 4; request++) {
      ids.push(...(await post(worker.url, Array.from({ length: 10 }, (_, n) => ({ type: "Order", payload: { n: request * 10 + n } })))).body.messageIds);
    }
    const deadline = Date.now() + 60_000;
    while (handled.length < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const order = (await readLog(project.log)).flatMap((b) => b.event.Records.map((r) => r.messageId));
    assert.deepEqual([...order].sort(), [...ids].sort(), "every message, once");
    assert.notDeepEqual(order, ids, "not in the order they were sent");
  });
});
