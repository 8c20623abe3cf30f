/**
 * The real `letsgo-worker dev` binary: kill -9 loses no accepted message; a
 * graceful stop and restart keeps the dead-letter queue.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { makeProject, post, request, startDevCli, type DevCli, type TestProject } from "./support/devServer.js";

/** Records each message id after the (slowish) work is done, so a kill leaves some unrecorded. */
const SLOW_RECORDING_HANDLER = `
import { appendFileSync } from "node:fs";
export async function handler(event: any) {
  await new Promise((resolve) => setTimeout(resolve, 20));
  appendFileSync(__LOG__, event.Records.map((r: any) => r.messageId).join("\\n") + "\\n");
  return { batchItemFailures: [] };
}
`;

let project: TestProject | undefined;
const clis: DevCli[] = [];
afterEach(async () => {
  for (const cli of clis.splice(0)) await cli.stop("SIGKILL");
  await project?.cleanup();
  project = undefined;
});

async function startCli(dir: string): Promise<DevCli> {
  const cli = await startDevCli(dir, ["--no-watch"]);
  clis.push(cli);
  return cli;
}

describe("dev CLI durability", () => {
  it("handles all 1,000 accepted messages after kill -9 and a restart", async () => {
    project = await makeProject({
      handler: SLOW_RECORDING_HANDLER,
      env: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 1, LETSGO_WORKER_CONCURRENCY: 2, LETSGO_WORKER_BATCHING_WINDOW: 0 },
    });
    const first = await startCli(project.dir);
    const accepted = new Set<string>();
    await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let i = 0; i < 25; i++) {
          const messages = Array.from({ length: 10 }, (_, j) => ({ type: "Bulk", payload: { lane, i, j } }));
          const reply = await post(first.url, messages);
          assert.equal(reply.status, 201);
          for (const id of reply.body.messageIds) accepted.add(id);
        }
      }),
    );
    assert.equal(accepted.size, 1000);
    await first.stop("SIGKILL");

    const recorded = async () => new Set((await readFile(project!.log, "utf8").catch(() => "")).split("\n").filter(Boolean));
    const before = await recorded();
    assert.ok(before.size < 1000, `some messages were still waiting at the kill (${before.size} done)`);

    const second = await startCli(project.dir);
    const ready = second.lines.find((line) => line.event === "ready")!;
    assert.ok(ready.stats.visible + ready.stats.inFlight + ready.stats.delayed >= 1000 - before.size, "the journal restored the waiting messages");
    const handled = new Set(before);
    await second.waitForLine((line) => {
      if (line.event === "message:handled") handled.add(line.id);
      return [...accepted].every((id) => handled.has(id));
    });
    const after = await recorded();
    for (const id of accepted) assert.ok(after.has(id), `message ${id} was handled`);
    assert.equal(await second.stop("SIGTERM"), 0);
  });

  it("keeps the dead-letter queue across a graceful restart, and dlq/enqueue work against it", async () => {
    project = await makeProject({
      handler: `export async function handler(event: any) { return { batchItemFailures: event.Records.map((r: any) => ({ itemIdentifier: r.messageId })) }; }`,
      env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 },
    });
    const first = await startCli(project.dir);
    const [id] = (await post(first.url, { type: "Doomed", payload: { n: 1 } })).body.messageIds;
    await first.waitForLine((line) => line.event === "message:dead" && line.id === id);
    assert.equal(await first.stop("SIGINT"), 0);

    const second = await startCli(project.dir);
    const dlq = (await request(second.url, "GET", "/dlq")).body.messages;
    assert.deepEqual(dlq.map((m: { messageId: string; receiveCount: number }) => [m.messageId, m.receiveCount]), [[id, 1]]);
    assert.equal(dlq[0].lastError, "reported in batchItemFailures");
  });
});
