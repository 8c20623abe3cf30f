/**
 * Per-record errors reach `dev` through the runtime's outcome reporter, not its
 * log lines: a handler built with a custom logger that writes nothing still has
 * its failed message's error shown (message:failed) and kept (the DLQ's lastError).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type DevWorker } from "../src/dev/worker.js";
import { post, request, waitForEvent, useDevWorker } from "./support/devServer.js";

/** Built with the runtime, as users do, and a logger that writes nothing. */
const SILENT_LOGGER_HANDLER = `
import { createWorkerHandler, type Logger } from "letsgo-worker/runtime";
const silentLogger: Logger = { level: "debug", debug() {}, info() {}, warn() {}, error() {} };
export const handler = createWorkerHandler({
  handlers: {
    Ok: async () => {},
    Fail: async () => { throw new TypeError("card declined\\nsecond line"); },
  },
  scheduled: async () => { throw new RangeError("scheduled on purpose"); },
  logger: silentLogger,
});
`;

const dev = useDevWorker();

async function start(): Promise<DevWorker> {
  const project = await dev.project({ handler: SILENT_LOGGER_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 } });
  const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });
  assert.equal(worker.handler.loaded, true, worker.handler.error);
  return worker;
}

describe("dev: runtime outcomes with a custom logger", () => {
  it("shows and dead-letters a failed record's error although the logger wrote nothing", async () => {
    // Prepare
    const worker = await start();
    const output: string[] = [];
    worker.on("handler:output", (o: { line: string }) => output.push(o.line));
    const failed = waitForEvent(worker, "message:failed");
    const handled = waitForEvent(worker, "message:handled");
    const dead = waitForEvent(worker, "message:dead");
    // Act
    const reply = await post(worker.url, [{ type: "Ok", payload: {} }, { type: "Fail", payload: {} }]);
    // Assess
    assert.equal(reply.status, 201);
    const [okId, failId] = reply.body.messageIds;
    assert.equal((await handled).id, okId);
    assert.deepEqual(await failed, { ...(await failed), id: failId, error: "TypeError: card declined" });
    assert.deepEqual(await dead, { ...(await dead), id: failId, error: "TypeError: card declined" });
    const dlq = (await request(worker.url, "GET", "/dlq")).body.messages;
    assert.deepEqual(dlq.map((m: { messageId: string; lastError: string }) => [m.messageId, m.lastError]), [[failId, "TypeError: card declined"]]);
    assert.deepEqual(output, [], "the silent logger printed nothing: the error did not come from a log line");
  });

  it("reports a failed scheduled run's error to POST /schedule although the logger wrote nothing", async () => {
    const worker = await start();
    const reply = await request(worker.url, "POST", "/schedule");
    assert.equal(reply.status, 500);
    assert.match(reply.body.error, /^ScheduledRunError: Scheduled run for .* failed: scheduled on purpose$/);
  });
});
