/**
 * A handler module that fails to load is tried again by itself, with backoff:
 * messages wait meanwhile without being received (no receive is charged for
 * it), /health says what is going on, and they run once the code loads.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { post, readLog, request, useDevWorker, waitForEvent } from "./support/devServer.ts";

/** Fails its first load (a flaky dependency at start-up, say), loads on the next try. */
const FLAKY_LOAD_HANDLER = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
const marker = __LOG__ + ".loaded-once";
if (!existsSync(marker)) {
  writeFileSync(marker, "");
  throw new Error("the database was not up yet");
}
export async function handler(event: any) {
  appendFileSync(__LOG__, JSON.stringify({ event }) + "\\n");
  return { batchItemFailures: [] };
}
`;

describe("dev worker: a handler that fails to load", () => {
  const dev = useDevWorker();

  it("is tried again by itself; a message sent meanwhile waits unreceived, then runs on its first receive", async () => {
    const { project, worker } = await dev.start({ handler: FLAKY_LOAD_HANDLER, worker: { loadRetryMs: 1_500 } });
    assert.equal(worker.handler.loaded, false);
    assert.match(worker.handler.error ?? "", /the database was not up yet/);
    const health = await request(worker.url, "GET", "/health");
    assert.match(health.body.handler, /^failed to load: .*the database was not up yet.*; trying again in [12] s/);

    const loaded = waitForEvent(worker, "handler:loaded");
    const handled = waitForEvent(worker, "message:handled");
    assert.equal((await post(worker.url, { type: "Waiting", payload: {} })).status, 201);
    assert.equal(worker.stats().inFlight, 0, "not received while the code does not load");
    await loaded;
    assert.equal((await handled).attempt, 1, "no receive was spent on the failed load");
    const [batch] = await readLog(project.log);
    assert.equal(batch!.event.Records[0]!.attributes.ApproximateReceiveCount, "1");
    assert.equal((await request(worker.url, "GET", "/health")).body.handler, "ready");
  });
});
