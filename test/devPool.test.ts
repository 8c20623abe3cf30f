/**
 * The dev worker's handler processes behave as Lambda execution environments:
 * one invocation each at a time, up to LETSGO_WORKER_CONCURRENCY of them, and
 * what kills one (process.exit, a leaked rejection, an uncaught exception) fails
 * only the batch in it; V8's heap is sized from the function's memory. Real
 * processes, real HTTP, a real journal.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type DevWorker } from "../src/dev/worker.js";
import { post, request, waitForEvent, useDevWorker } from "./support/devServer.js";

/** Logs each record's start and end (with its pid); what it does in between is up to the payload. */
const POOL_HANDLER = `
import { appendFileSync, existsSync } from "node:fs";
const VERSION = __VERSION__;
const log = (fields: object) => appendFileSync(__LOG__, JSON.stringify({ ...fields, pid: process.pid, version: VERSION }) + "\\n");
export async function handler(event: any) {
  for (const record of event.Records) {
    const { payload } = JSON.parse(record.body);
    log({ at: "start", id: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount });
    console.log("started " + payload.name);
    if (payload.exit) process.exit(1);
    if (payload.leak) Promise.reject(new Error("leaked"));
    if (payload.uncaught) setImmediate(() => { throw new Error("boom"); });
    if (payload.gc) console.log("gc " + typeof (globalThis as any).gc);
    if (payload.hog) { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(Math.random())); }
    if (payload.waitFor) while (!existsSync(payload.waitFor)) await new Promise((resolve) => setTimeout(resolve, 5));
    log({ at: "end", id: record.messageId });
  }
  return { batchItemFailures: [] };
}
`;

interface LogLine {
  at: "start" | "end";
  id: string;
  pid: number;
  version: number;
  receiveCount?: string;
}

const dev = useDevWorker();

const handlerSource = (version: number) => POOL_HANDLER.replace("__VERSION__", String(version));

async function start(env: Record<string, string | number>, options: { watch?: boolean; handlerIdleMs?: number } = {}) {
  const project = await dev.project({ handler: handlerSource(1), env: { LETSGO_WORKER_FUNCTION_TIMEOUT: 30, ...env } });
  const worker = await dev.worker({ projectDir: project.dir, watch: options.watch ?? false, handlerIdleMs: options.handlerIdleMs });
  assert.equal(worker.handler.loaded, true, worker.handler.error);
  return { project, worker, go: path.join(project.dir, "go") };
}

async function readLines(file: string): Promise<LogLine[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as LogLine);
}

const started = (worker: DevWorker, name: string) =>
  waitForEvent(worker, "handler:output", (o) => o.line === `started ${name}`);

describe("dev worker handler processes", () => {
  it("fails only the batch whose handler called process.exit; the concurrent batch is handled once", async () => {
    const { project, worker, go } = await start({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, LETSGO_WORKER_CONCURRENCY: 2 });
    const failed: Array<{ id: string; error: string; dead: boolean }> = [];
    worker.on("message:failed", (o) => failed.push(o));
    const exits: Array<{ reason: string; inFlight: number }> = [];
    worker.on("handler:exit", (o) => exits.push(o));

    const aStarted = started(worker, "A");
    const [idA] = (await post(worker.url, { type: "Slow", payload: { name: "A", waitFor: go } })).body.messageIds;
    await aStarted;
    const bFailed = waitForEvent(worker, "message:failed");
    const [idB] = (await post(worker.url, { type: "Exit", payload: { name: "B", exit: true } })).body.messageIds;
    const outcomeB = await bFailed;
    assert.equal(outcomeB.id, idB);
    assert.match(outcomeB.error, /exited \(code 1\).*process\.exit/);
    assert.doesNotMatch(outcomeB.error, /Channel closed|could not start/);
    assert.equal(outcomeB.dead, true);

    // A was running the whole time, in another process: release it.
    const aHandled = waitForEvent(worker, "message:handled");
    await writeFile(go, "");
    const outcomeA = await aHandled;
    assert.equal(outcomeA.id, idA);
    assert.equal(outcomeA.attempt, 1);

    assert.deepEqual(failed.map((o) => o.id), [idB]);
    assert.equal(exits.length, 1);
    assert.match(exits[0]!.reason, /exited \(code 1\)/);
    assert.equal(exits[0]!.inFlight, 1);
    const lines = await readLines(project.log);
    const startsA = lines.filter((l) => l.at === "start" && l.id === idA);
    assert.deepEqual(startsA.map((l) => l.receiveCount), ["1"], "A reached the handler once, on its first receive");
    const startB = lines.find((l) => l.at === "start" && l.id === idB)!;
    assert.notEqual(startB.pid, startsA[0]!.pid, "each concurrent batch has its own process");
    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.deepEqual([stats.processed, stats.failed, stats.dead, stats.redelivered], [1, 1, 1, 0]);
  });

  it("runs up to LETSGO_WORKER_CONCURRENCY processes, one batch each at a time, and stops idle ones down to one", async () => {
    const { project, worker, go } = await start({ LETSGO_WORKER_CONCURRENCY: 3, LETSGO_WORKER_BATCH_SIZE: 1 }, { handlerIdleMs: 100 });
    const threeStarted = Promise.all(["A", "B", "C"].map((name) => started(worker, name)));
    const ids: string[] = [];
    for (const name of ["A", "B", "C", "D"]) ids.push(...(await post(worker.url, { type: "Slow", payload: { name, waitFor: go } })).body.messageIds);
    await threeStarted;
    assert.ok((await request(worker.url, "GET", "/health")).body.handlerProcesses >= 3);

    const handled = new Set<string>();
    const allHandled = new Promise<void>((resolve) =>
      worker.on("message:handled", (o: { id: string }) => {
        handled.add(o.id);
        if (handled.size === ids.length) resolve();
      }),
    );
    await writeFile(go, "");
    await allHandled;

    // Replay the log: never more than 3 at once, never two at once in one process.
    const running = new Map<string, number>();
    let most = 0;
    for (const line of await readLines(project.log)) {
      if (line.at === "start") {
        assert.ok(![...running.values()].includes(line.pid), `process ${line.pid} got a second batch while busy`);
        running.set(line.id, line.pid);
        most = Math.max(most, running.size);
      } else running.delete(line.id);
    }
    assert.equal(most, 3);

    // Idle processes are stopped after handlerIdleMs, keeping one warm.
    while ((await request(worker.url, "GET", "/health")).body.handlerProcesses > 1) await sleep(50);
    const after = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Fine", payload: { name: "E" } });
    await after;
  });

  it("fails the batch in flight on a leaked rejection or an uncaught exception, as Lambda's runtime does, and restarts", async () => {
    const { worker } = await start({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 });
    const exits: Array<{ reason: string }> = [];
    worker.on("handler:exit", (o) => exits.push(o));

    const leaked = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Leak", payload: { name: "L", leak: true } });
    const leakOutcome = await leaked;
    assert.equal(leakOutcome.error, "Runtime.UnhandledPromiseRejection: Error: leaked");
    assert.equal(leakOutcome.dead, true);

    const uncaught = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Uncaught", payload: { name: "U", uncaught: true } });
    assert.equal((await uncaught).error, "uncaught exception: Error: boom");

    const fine = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Fine", payload: { name: "F" } });
    assert.equal((await fine).type, "Fine");

    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.deepEqual([stats.processed, stats.dead], [1, 2]);
    // A failed batch is reported before its process has finished exiting: wait (bounded) for both exits.
    for (const deadline = Date.now() + 10_000; exits.length < 2 && Date.now() < deadline; ) await sleep(20);
    assert.equal(exits.length, 2, "each crash ended its process");
    assert.match(exits[0]!.reason, /UnhandledPromiseRejection: Error: leaked/);
    const dlq = (await request(worker.url, "GET", "/dlq")).body.messages;
    assert.deepEqual(dlq.map((m: { type: string }) => m.type).sort(), ["Leak", "Uncaught"]);
  });

  it("sizes V8's heap from LETSGO_WORKER_MEMORY as Lambda does: a handler that outgrows it fails its batch, out of memory; gc is exposed", async () => {
    const { worker } = await start({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, LETSGO_WORKER_MEMORY: 128 });
    const gc = waitForEvent(worker, "handler:output", (o) => o.line.startsWith("gc "));
    await post(worker.url, { type: "Gc", payload: { name: "G", gc: true } });
    assert.equal((await gc).line, "gc function");

    const failed = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Hog", payload: { name: "H", hog: true } });
    const outcome = await failed;
    // Lambda's error for a function killed over its memory, and what it means.
    assert.match(outcome.error, /^Runtime\.ExitError: Runtime exited with error: signal: killed \(out of memory: the handler outgrew the function's 128 MB, LETSGO_WORKER_MEMORY\)$/);
    assert.equal(outcome.dead, true);

    const fine = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Fine", payload: { name: "F" } });
    assert.equal((await fine).type, "Fine", "a fresh process takes the next batch");
  });

  it("reloads while a batch runs: the batch finishes in the old code, new batches run the new code, none lost", async () => {
    const { project, worker, go } = await start({}, { watch: true });
    const aStarted = started(worker, "A");
    const [idA] = (await post(worker.url, { type: "Slow", payload: { name: "A", waitFor: go } })).body.messageIds;
    await aStarted;

    const reloaded = waitForEvent(worker, "handler:loaded", (o) => o.reloaded);
    await writeFile(project.entry, handlerSource(2).replaceAll("__LOG__", JSON.stringify(project.log)));
    await reloaded;
    const bHandled = waitForEvent(worker, "message:handled");
    const [idB] = (await post(worker.url, { type: "Fine", payload: { name: "B" } })).body.messageIds;
    assert.equal((await bHandled).id, idB);

    const aHandled = waitForEvent(worker, "message:handled");
    await writeFile(go, "");
    assert.deepEqual(await aHandled, { ...(await aHandled), id: idA, attempt: 1 });

    const lines = await readLines(project.log);
    const versionOf = (id: string) => lines.filter((l) => l.id === id && l.at === "end").map((l) => l.version);
    assert.deepEqual(versionOf(idA), [1], "A finished once, in the code it started in");
    assert.deepEqual(versionOf(idB), [2], "B ran the edited code");
  });
});
