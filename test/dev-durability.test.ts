/**
 * The real `letsgo-worker dev` binary: kill -9 loses no accepted message; a
 * graceful stop and restart keeps the dead-letter queue; a redrive or purge
 * that was answered survives a kill -9 right after the answer; a damaged or
 * old-format journal is recovered and the start says what was done.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { BIN, makeProject, post, REPO, request, startDevCli, type DevCli, type TestProject } from "./support/devServer.js";

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
      env: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 1, LETSGO_WORKER_FUNCTION_TIMEOUT: 1, LETSGO_WORKER_CONCURRENCY: 2, LETSGO_WORKER_BATCHING_WINDOW: 0 },
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

/** Fails every record: with LETSGO_WORKER_MAX_RECEIVE_COUNT=1 each message goes straight to the DLQ. */
const FAILING_HANDLER = `export async function handler(event: any) { return { batchItemFailures: event.Records.map((r: any) => ({ itemIdentifier: r.messageId })) }; }`;
/** Never loads, so nothing is received: what the journal restored stays where it is. */
const NOT_LOADING_HANDLER = `throw new Error("not loading, on purpose");\nexport async function handler() {}`;

const journalOf = (dir: string) => path.join(dir, "apps", "worker", ".letsgo", "queue.journal");

async function dlqIds(url: string): Promise<string[]> {
  return (await request(url, "GET", "/dlq")).body.messages.map((m: { messageId: string }) => m.messageId).sort();
}

describe("dev CLI: redrive and purge are durable when answered", () => {
  it("keeps each answered redrive and purge across a kill -9 right after the answer", async () => {
    project = await makeProject({ handler: FAILING_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 } });
    const first = await startCli(project.dir);
    const ids: string[] = (await post(first.url, Array.from({ length: 4 }, (_, i) => ({ type: "Doomed", payload: { i } })))).body.messageIds;
    await first.waitForLine(() => first.lines.filter((line) => line.event === "message:dead").length === 4);
    assert.equal(await first.stop("SIGTERM"), 0);
    await project.writeHandler(NOT_LOADING_HANDLER);

    // Three cycles: redrive one message by id, kill -9 at once, restart, look.
    let dead = [...ids].sort();
    for (const id of ids.slice(0, 3)) {
      const cli = await startCli(project.dir);
      assert.deepEqual(await dlqIds(cli.url), dead);
      const reply = await fetch(`${cli.url}/dlq/redrive?messageId=${id}`, { method: "POST" });
      assert.equal(reply.status, 200);
      await cli.stop("SIGKILL"); // as soon as the answer's headers arrive
      dead = dead.filter((d) => d !== id);
      const after = await startCli(project.dir);
      assert.deepEqual(await dlqIds(after.url), dead, `the redrive of ${id} survived the kill`);
      assert.equal((await request(after.url, "GET", "/stats")).body.visible, ids.length - dead.length);
      await after.stop("SIGKILL");
    }

    // Then a purge, the same way.
    const cli = await startCli(project.dir);
    const reply = await fetch(`${cli.url}/dlq`, { method: "DELETE" });
    assert.equal(reply.status, 200);
    await cli.stop("SIGKILL");
    const after = await startCli(project.dir);
    assert.deepEqual(await dlqIds(after.url), [], "the purge survived the kill");
    assert.equal((await request(after.url, "GET", "/stats")).body.visible, 3);
  });
});

describe("dev CLI: a damaged or old journal", () => {
  it("skips and quarantines a damaged record, keeps the rest, and says so in the ready event and the banner", async () => {
    project = await makeProject({ handler: NOT_LOADING_HANDLER });
    const first = await startCli(project.dir);
    const ids: string[] = (await post(first.url, Array.from({ length: 3 }, (_, i) => ({ type: "Waiting", payload: { i } })))).body.messageIds;
    assert.equal(await first.stop("SIGTERM"), 0);

    // Damage the middle record's JSON, and cut the last line short as a crash would.
    const file = journalOf(project.dir);
    const data = await readFile(file);
    const lineStarts = [0, ...[...data.entries()].filter(([, byte]) => byte === 0x0a).map(([at]) => at + 1)].slice(0, -1);
    assert.equal(lineStarts.length, 3);
    const damaged = Buffer.from(data);
    damaged[lineStarts[1]! + 30]! ^= 0x01;
    await writeFile(file, Buffer.concat([damaged, Buffer.from('12 00000000 {"k":')]));

    const human = await bannerOf(project.dir);
    assert.match(human, /journal {3}skipped 1 damaged line \(\d+ bytes, at byte [\d,]+\): never loaded; copied to apps\/worker\/\.letsgo\/queue\.journal\.quarantine\./);
    assert.match(human, /journal {3}cut 17 bytes off the end: a write cut short by a crash/);
    assert.match(human, /restored 2: 2 waiting/);

    // The human start already rewrote the journal: a second start is clean.
    const second = await startCli(project.dir);
    const ready = second.lines.find((line) => line.event === "ready")!;
    assert.deepEqual(
      { messages: ready.journal.messages, quarantined: ready.journal.quarantined, tornTail: ready.journal.tornTail },
      { messages: 2, quarantined: [], tornTail: false },
    );
    assert.deepEqual((await request(second.url, "GET", "/stats")).body.visible, 2);
    assert.ok(ids.length === 3);
  });

  it("reports the damage in the --json ready event", async () => {
    project = await makeProject({ handler: NOT_LOADING_HANDLER });
    const first = await startCli(project.dir);
    await post(first.url, Array.from({ length: 3 }, (_, i) => ({ type: "Waiting", payload: { i } })));
    assert.equal(await first.stop("SIGTERM"), 0);
    const file = journalOf(project.dir);
    const data = await readFile(file);
    const second = data.indexOf(0x0a) + 1;
    await writeFile(file, Buffer.concat([data.subarray(0, second), Buffer.from("garbage\n"), data.subarray(second)]));

    const cli = await startCli(project.dir);
    const ready = cli.lines.find((line) => line.event === "ready")!;
    assert.equal(ready.journal.messages, 3);
    assert.equal(ready.journal.records, 3);
    assert.deepEqual(ready.journal.quarantined, [{ offset: second, bytes: 8, reason: "not a journal record (no length and checksum)" }]);
    assert.equal(path.dirname(ready.journal.quarantineFile), path.dirname(file));
    assert.match(await readFile(ready.journal.quarantineFile, "utf8"), /"offset":\d+,"bytes":8,.*"text":"garbage\\n"/);
    assert.equal(ready.journal.rewritten, true);
  });

  it("loads a journal written before checksums (plain JSON lines) and rewrites it in the current format", async () => {
    project = await makeProject({ handler: NOT_LOADING_HANDLER });
    const file = journalOf(project.dir);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.dirname(file), { recursive: true });
    // Written an hour ago (older ones would have expired: LETSGO_WORKER_MESSAGE_RETENTION).
    const t = Date.now() - 3_600_000;
    const old = [
      { k: "e", id: "old-1", ty: "Legacy", b: '{"type":"Legacy","payload":{}}', t, v: t },
      { k: "e", id: "old-2", ty: "Legacy", b: '{"type":"Legacy","payload":{}}', t, v: t },
      { k: "r", ids: ["old-2"], t: t + 1, v: t + 2 },
      { k: "x", id: "old-2", t: t + 3, err: "failed before the upgrade" },
    ];
    await writeFile(file, old.map((record) => JSON.stringify(record) + "\n").join(""));

    const cli = await startCli(project.dir);
    const ready = cli.lines.find((line) => line.event === "ready")!;
    assert.deepEqual([ready.journal.legacyRecords, ready.journal.rewritten, ready.journal.quarantined], [4, true, []]);
    assert.deepEqual([ready.stats.visible, ready.stats.dead], [1, 1]);
    assert.deepEqual(await dlqIds(cli.url), ["old-2"]);
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    assert.equal(lines.length, 4);
    for (const line of lines) assert.match(line, /^\d+ [0-9a-f]{8} \{/);
  });
});

/** Start `dev` without --json, return its banner (up to the "Send a message" line), and stop it. */
async function bannerOf(dir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, "dev", "--cwd", dir, "--port", "0", "--no-watch", "--no-schedule"], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 30 s:\n${out}\n${err}`)), 30_000);
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("Send a message")) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`dev exited before its banner:\n${out}\n${err}`)));
    });
    return out;
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}
