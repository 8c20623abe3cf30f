/**
 * A failing message shows when it is tried next, and can be tried now (issue
 * 21, item 4), through the real binary and a real browser:
 * - with the deployed defaults (360 s visibility) a failed message says its
 *   next attempt and when it would reach the DLQ, in dev's JSON events, in
 *   `retry` and in `dlq list`; `letsgo-worker retry <id>` brings the next
 *   attempt now (without it, six minutes away: far past every wait here);
 * - after a dev restart, a message whose attempt the restart cut short is
 *   listed, and `retry --all` brings it back now;
 * - the banner says what the settings mean in time, and a scaffold from
 *   `init` (quick dev retries) shows its dev-only values and the console's
 *   next-attempt line;
 * - the dashboard's story of a retrying message shows its next attempt and a
 *   "Retry now" button that brings it.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { copyExample, launchBrowser } from "./support/browser.ts";
import { runCli, tempDir } from "./support/cli.ts";
import { BIN, makeProject, post, RECORDING_HANDLER, readLog, startDevCli, type DevCli, type TestProject } from "./support/devServer.ts";

declare const document: any;

/** Generous: two cores shared with other work. Every wait is for a state; the next attempt on its own is 360 s away. */
const WAIT_MS = 60_000;
const VISIBILITY_S = 360;

/** Resolve once `check` holds, polling; reject after WAIT_MS with `what`. */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `dev` as a person runs it (no --json): its stdout as it grows. */
function startDevConsole(dir: string, args: string[] = []): { child: ChildProcess; output: () => string; waitFor(pattern: RegExp): Promise<string>; stop(): Promise<void> } {
  const child = spawn(process.execPath, [BIN, "dev", "--cwd", dir, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  return {
    child,
    output: () => out,
    waitFor: (pattern) => until(`${pattern} in dev's console:\n${out}`, () => (pattern.test(out) ? out : undefined)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe("retries you can see and shorten: the CLI", { timeout: 300_000 }, () => {
  let project: TestProject;
  let dev: DevCli | undefined;

  before(async () => {
    project = await makeProject({ handler: RECORDING_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 3 } });
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });
  after(() => project?.cleanup());

  it("a failed message says when it is tried next and when it would be dead; `retry` lists it and brings its next attempt now", async () => {
    dev = await startDevCli(project.dir);
    const sent = await post(dev.url, { type: "Flaky", payload: { fail: true } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const id: string = sent.body.messageIds[0];

    const failed = await dev.waitForLine((line) => line.event === "message:failed" && line.id === id && line.attempt === 1);
    const next = Date.parse(failed.nextAttemptAt);
    assert.ok(next > Date.now() + (VISIBILITY_S - 60) * 1000, `the next attempt is a visibility timeout away: ${failed.nextAttemptAt}`);
    // Two attempts left: the next, and one more a visibility timeout later; the DLQ as that one fails.
    assert.equal(Date.parse(failed.deadLetterAt) - next, VISIBILITY_S * 1000);

    const listed = await runCli(["retry", "--json", "--cwd", project.dir]);
    assert.equal(listed.code, 0, listed.stderr);
    const waiting = JSON.parse(listed.stdout);
    assert.deepEqual(
      waiting.map((m: any) => [m.messageId, m.type, m.attempts, m.maxAttempts, m.nextAttemptAt, m.deadLetterAt]),
      [[id, "Flaky", 1, 3, failed.nextAttemptAt, failed.deadLetterAt]],
    );
    assert.match(waiting[0].lastError, /failed on purpose/);

    const human = await runCli(["dlq", "list", "--cwd", project.dir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Retrying \(1\), not dead yet:/);
    assert.match(human.stdout, new RegExp(`${id}  Flaky  attempt 2/3 in [56] min`));
    assert.match(human.stdout, /DLQ by \S+ if it keeps failing/);
    assert.match(human.stdout, /The dead-letter queue is empty\./);

    // Now: by the 8 characters the console shows.
    const retried = await runCli(["retry", id.slice(0, 8), "--cwd", project.dir]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, new RegExp(`^${id}  visible now`));
    await dev.waitForLine((line) => line.event === "message:retried" && line.id === id && line.attempt === 2);
    await dev.waitForLine((line) => line.event === "message:failed" && line.id === id && line.attempt === 2);

    // All of them, now: the last attempt fails and the message is dead.
    const all = await runCli(["retry", "--all", "--json", "--cwd", project.dir]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), { retried: [id] });
    await dev.waitForLine((line) => line.event === "message:dead" && line.id === id && line.attempts === 3);
    assert.equal((await readLog(project.log)).length, 3, "three attempts, each a batch");

    // A dead message is redriven, not retried; an id that names nothing is said plainly.
    const dead = await runCli(["retry", id, "--cwd", project.dir]);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /is not waiting for a next attempt .*a dead one is redriven, not retried/);
    const empty = await runCli(["retry", "--cwd", project.dir]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /No message is waiting for a next attempt\./);
    assert.equal((await runCli(["retry", "abc", "--all", "--cwd", project.dir])).code, 2, "ids or --all, not both");
  });

  it("after a dev restart, a message whose attempt was cut short is listed, and `retry --all` brings it back now", async () => {
    const marker = path.join(project.dir, "hung-once");
    // The first attempt hangs (dev is stopped under it); the next one succeeds.
    await project.writeHandler(`
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
export async function handler(event: any) {
  appendFileSync(__LOG__, JSON.stringify({ version: 2, event }) + "\\n");
  if (!existsSync(${JSON.stringify(marker)})) {
    writeFileSync(${JSON.stringify(marker)}, "");
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  }
  return { batchItemFailures: [] };
}
`);
    await rm(project.log, { force: true });
    dev = await startDevCli(project.dir);
    const sent = await post(dev.url, { type: "Slow", payload: {} });
    const id: string = sent.body.messageIds[0];
    await until("the first attempt to start", () => existsSync(marker) || undefined);
    await dev.stop();

    dev = await startDevCli(project.dir);
    const ready = dev.lines.find((line) => line.event === "ready")!;
    assert.equal(ready.stats.inFlight, 1, JSON.stringify(ready.stats));
    const listed = JSON.parse((await runCli(["retry", "--json", "--cwd", project.dir])).stdout);
    assert.deepEqual(listed.map((m: any) => [m.messageId, m.attempts]), [[id, 1]]);
    assert.ok(Date.parse(listed[0].nextAttemptAt) > Date.now() + 60_000, "without retry it would wait out the visibility timeout");

    const all = await runCli(["retry", "--all", "--json", "--cwd", project.dir]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), { retried: [id] });
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === id && line.attempt === 2);
  });
});

describe("retries you can see and shorten: the banner and the console", { timeout: 300_000 }, () => {
  it("says what the deployed defaults mean in time", async () => {
    const project = await makeProject({ handler: RECORDING_HANDLER });
    const dev = startDevConsole(project.dir);
    try {
      const out = await dev.waitFor(/Send a message:/);
      assert.match(out, /retries {3}a failing message is tried 5 times, 6 min apart: in the DLQ ~24 min after its first attempt \(in AWS ~30 min: 5 receives × 360 s visibility\)/);
      assert.doesNotMatch(out, /dev only/);
    } finally {
      await dev.stop();
      await project.cleanup();
    }
  });

  it("on a fresh `init` scaffold (quick dev retries), shows the dev-only values against the deployed ones, and under a failure its next attempt", async () => {
    const { dir, cleanup } = await tempDir("letsgo-retries-");
    const init = await runCli(["init", "--yes", "--no-keys", dir]);
    assert.equal(init.code, 0, init.stderr);
    const handlerFile = path.join(dir, "apps/worker/src/handlers/contactHandler.ts");
    const handler = await readFile(handlerFile, "utf8");
    await writeFile(handlerFile, handler.replace(/=> \{\n/, '=> {\n  throw new Error("contact failed on purpose");\n'));
    const dev = startDevConsole(dir);
    try {
      const banner = await dev.waitFor(/Send a message:/);
      assert.match(banner, /retries {3}a failing message is tried 5 times, 10 s apart: in the DLQ ~40 s after its first attempt/);
      assert.match(banner, /dev only {2}LETSGO_DEV_VISIBILITY_TIMEOUT=10, LETSGO_DEV_FUNCTION_TIMEOUT=10 \(deploy keeps 360, 60: in AWS a failing message reaches the DLQ after ~30 min/);
      const sent = await runCli(["enqueue", "--cwd", dir, "--type", "letsgo:contact", "--payload", '{"email":"a@example.com","message":"hi"}']);
      assert.equal(sent.code, 0, sent.stderr);
      const id = sent.stdout.trim().slice(0, 8);
      const out = await dev.waitFor(new RegExp(`next attempt 2/5 at \\d\\d:\\d\\d:\\d\\d \\(in \\d+ s\\) · DLQ by \\d\\d:\\d\\d:\\d\\d if it keeps failing · now: letsgo-worker retry ${id}`));
      assert.match(out, /✗ letsgo:contact \w{8} 1\/5 .*contact failed on purpose/);
    } finally {
      await dev.stop();
      await cleanup();
    }
  });
});

describe("retries you can see and shorten: the dashboard", { timeout: 300_000 }, () => {
  let projectDir: string;
  let dev: DevCli;
  let browser: Browser;

  before(async () => {
    projectDir = await copyExample("letsgo-retry-dashboard-");
    // The deployed values, whatever the example's dev-only ones: only the button brings the next attempt in time.
    dev = await startDevCli(projectDir, ["--visibility-timeout", String(VISIBILITY_S), "--function-timeout", "60", "--batching-window", "0"]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await dev?.stop();
    if (projectDir) await rm(projectDir, { recursive: true, force: true });
  });

  it("shows a retrying message's next attempt and when it would be dead, and 'Retry now' brings the attempt", async () => {
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "o_negative", customerId: "c_1", totalCents: -1 } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const id: string = sent.body.messageIds[0];
    await dev.waitForLine((line) => line.event === "message:failed" && line.id === id && line.attempt === 1);

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${dev.url}/#message/${id}`);
    await page.waitForSelector("#view-message:not([hidden])");
    await page.waitForSelector("#retry-now");
    const facts = (await page.textContent("#story-facts"))!;
    assert.match(facts, /next attempt.*\(attempt 2 of 5\)/);
    assert.match(facts, /dead-letter queue.*if it keeps failing/);
    assert.equal(await page.locator("#story-timeline li.attempt").count(), 1);
    // On the timeline too: the next attempt, and when the message would be in the DLQ.
    assert.match((await page.textContent("#story-timeline li.next"))!, /Next attempt \(2 of 5\).*In the dead-letter queue by/);

    await page.click("#retry-now");
    await page.waitForFunction(() => document.querySelectorAll("#story-timeline li.attempt").length === 2);
    await dev.waitForLine((line) => line.event === "message:retried" && line.id === id);
  });
});
