/**
 * The real `letsgo-worker dev` with its state directory (apps/worker/.letsgo)
 * on a small tmpfs: a real full disk while messages arrive, a full disk and a
 * read-only file system at start. Root only (see support/tmpfs.ts); CI is root.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { parseJournal } from "../src/dev/journal/journalFormat.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";
import { isSeenRecordShape } from "../src/dev/queue/seenKeys.js";
import { BIN, makeProject, REPO, startDevCli, type DevCli, type TestProject } from "./support/devServer.js";
import { mountTmpfs, type Tmpfs } from "./support/tmpfs.js";

/** Appends the id of every message it handles. */
const ID_RECORDING_HANDLER = `
import { appendFileSync } from "node:fs";
export async function handler(event: any) {
  appendFileSync(__LOG__, event.Records.map((r: any) => r.messageId + "\\n").join(""));
  return { batchItemFailures: [] };
}
`;

let project: TestProject | undefined;
let disk: Tmpfs | undefined;
const clis: DevCli[] = [];
afterEach(async () => {
  for (const cli of clis.splice(0)) await cli.stop("SIGKILL");
  await disk?.unmount();
  disk = undefined;
  await project?.cleanup();
  project = undefined;
});

async function startCli(dir: string): Promise<DevCli> {
  const cli = await startDevCli(dir, ["--no-watch", "--no-schedule"]);
  clis.push(cli);
  return cli;
}

/** A project whose state directory is a fresh tmpfs of `size`, or the reason it cannot be. */
async function projectOnTmpfs(size: string, env: Record<string, string | number> = {}): Promise<{ stateDir: string } | { skip: string }> {
  project = await makeProject({ handler: ID_RECORDING_HANDLER, env: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 3, LETSGO_WORKER_FUNCTION_TIMEOUT: 3, ...env } });
  const stateDir = path.join(project.dir, "apps", "worker", ".letsgo");
  const mounted = await mountTmpfs(stateDir, size);
  if ("skip" in mounted) return mounted;
  disk = mounted;
  return { stateDir };
}

interface Reply {
  status: number;
  retryAfter: string | null;
  body: any;
}

async function send(url: string, method: string, pathname: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${url}${pathname}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
}

/** Poll `check` every 25 ms until it returns a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Each handled id and how many times it was handled. */
async function handledCounts(log: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const id of (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Run `dev` expecting it to fail at start: its exit code and stderr (killed after 30 s if it starts after all). */
async function devFailing(dir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "dev", "--cwd", dir, "--port", "0", "--json", "--no-watch", "--no-schedule"], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdout!.resume();
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  return { code: code as number | null, stderr };
}

const bigMessage = (lane: number, i: number) => ({ type: "Big", payload: { lane, i, fill: "x".repeat(8000) } });

describe("dev CLI on a full disk", () => {
  it("answers 503 while the disk is full, resumes by itself, and delivers every 201 exactly once after kill -9", async (t) => {
    const state = await projectOnTmpfs("2m");
    if ("skip" in state) return t.skip(state.skip);
    const journalFile = path.join(state.stateDir, "queue.journal");
    const ballast = path.join(state.stateDir, "ballast");
    const first = await startCli(project!.dir);
    await disk!.fill(ballast, 400 * 1024);
    const accepted = new Set<string>();

    // Fill: 4 senders post 8 KB messages until each is refused.
    const refusals: Reply[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let i = 0; i < 500; i++) {
          const reply = await send(first.url, "POST", "/", bigMessage(lane, i));
          if (reply.status === 201) for (const id of reply.body.messageIds) accepted.add(id);
          else return void refusals.push(reply);
        }
      }),
    );
    assert.equal(refusals.length, 4, "every sender was refused in the end");
    for (const refusal of refusals) {
      assert.equal(refusal.status, 503);
      assert.match(refusal.retryAfter ?? "", /^\d+$/);
      assert.match(refusal.body.error, /full disk \(ENOSPC.*Nothing of this request was kept/);
    }
    assert.ok(accepted.size >= 10, `${accepted.size} accepted before the disk filled`);
    const health = await send(first.url, "GET", "/health");
    assert.equal(health.status, 503);
    assert.deepEqual([health.body.ok, health.body.degraded, health.body.code], [false, true, "ENOSPC"]);
    assert.match(health.body.reason, /full disk/);
    const degraded = await first.waitForLine((line) => line.event === "journal:degraded");
    assert.deepEqual([degraded.ok, degraded.code], [false, "ENOSPC"]);

    // No 201 without the bytes on disk: every accepted message is a whole record in the journal now.
    const enqueuedOnDisk = new Set<string>();
    const onDisk = parseJournal(
      await readFile(journalFile),
      (v): v is unknown => isQueueRecord(v) || isSeenRecordShape(v),
      (record) => isQueueRecord(record) && record.k === "e" && enqueuedOnDisk.add(record.id),
    );
    for (const id of accepted) assert.ok(enqueuedOnDisk.has(id), `accepted ${id} is on disk`);
    assert.deepEqual([onDisk.bad, onDisk.tornTail], [[], null], "nothing partial or fused on disk");

    // Free space: accepting resumes without a restart.
    await rm(ballast);
    await until("/health to say ok", async () => ((await send(first.url, "GET", "/health")).status === 200 ? true : undefined));
    await first.waitForLine((line) => line.event === "journal:resumed");
    for (let i = 0; i < 10; i++) {
      const reply = await send(first.url, "POST", "/", bigMessage(9, i));
      assert.equal(reply.status, 201);
      accepted.add(reply.body.messageIds[0]);
    }

    // Let the handler finish everything and the journal write every receive and delete...
    await until("every accepted message handled and its delete on disk", async () => {
      const stats = (await send(first.url, "GET", "/stats")).body;
      if (stats.visible + stats.inFlight + stats.delayed > 0) return undefined;
      const { body } = await send(first.url, "GET", "/health");
      return body.ok && body.journal.unwritten === 0 ? true : undefined;
    });
    // ...then accept a few more that wait (delayed), and kill -9 right after their 201s.
    for (let i = 0; i < 5; i++) {
      const reply = await send(first.url, "POST", "/?delaySeconds=3", { type: "Later", payload: { i } });
      assert.equal(reply.status, 201);
      accepted.add(reply.body.messageIds[0]);
    }
    await first.stop("SIGKILL");

    // Restart: every 201 is delivered exactly once, and nothing else.
    const second = await startCli(project!.dir);
    const ready = second.lines.find((line) => line.event === "ready")!;
    assert.deepEqual([ready.journal.quarantined, ready.journal.tornTail], [[], false]);
    await until("the restarted queue to be empty", async () => {
      const stats = (await send(second.url, "GET", "/stats")).body;
      return stats.visible + stats.inFlight + stats.delayed + stats.dead === 0 ? true : undefined;
    });
    const handled = await handledCounts(project!.log);
    assert.deepEqual([...handled.keys()].filter((id) => !accepted.has(id)), [], "nothing that got a 503 was delivered");
    assert.deepEqual([...accepted].filter((id) => handled.get(id) !== 1), [], "every 201 was delivered exactly once");
    assert.equal(await second.stop("SIGTERM"), 0);
  });

  it("refuses to start on a full disk: exit 1 and what to do", async (t) => {
    const state = await projectOnTmpfs("1m");
    if ("skip" in state) return t.skip(state.skip);
    await disk!.fill(path.join(state.stateDir, "ballast"), 0);
    const { code, stderr } = await devFailing(project!.dir);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /dev cannot start: .*\.letsgo is on a full disk \(ENOSPC.*Free some space on that disk/);
    assert.doesNotMatch(stderr, /this is a bug/);
  });
});

describe("dev CLI with a read-only state directory", () => {
  it("exits 1 with a hint, and starts with every message once the directory is writable again", async (t) => {
    const state = await projectOnTmpfs("1m");
    if ("skip" in state) return t.skip(state.skip);
    const first = await startCli(project!.dir);
    for (let i = 0; i < 3; i++) assert.equal((await send(first.url, "POST", "/?delaySeconds=900", { type: "Waiting", payload: { i } })).status, 201);
    assert.equal(await first.stop("SIGTERM"), 0);

    await disk!.remount("ro");
    const { code, stderr } = await devFailing(project!.dir);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /dev cannot start: .*\.letsgo is on a read-only file system \(EROFS\).*Remount that file system read-write/);
    assert.doesNotMatch(stderr, /this is a bug|at .*\.js:\d+/);

    await disk!.remount("rw");
    const second = await startCli(project!.dir);
    const ready = second.lines.find((line) => line.event === "ready")!;
    assert.equal(ready.stats.delayed, 3);
  });
});
