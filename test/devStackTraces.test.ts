/**
 * Stack traces in dev: a TypeScript handler that throws a TypeError from a
 * helper in another .ts file shows, under its ✗ line, the first frames of the
 * user's code at their .ts lines, project-relative (`--verbose`: the whole
 * stack); the DLQ keeps the stack (`GET /dlq`, `dlq list`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import type { DevWorker } from "../src/dev/worker.js";
import { runCli } from "./support/cli.js";
import { BIN, post, REPO, request, useDevWorker, waitForEvent, type TestProject } from "./support/devServer.js";

const identity = (text: string) => text;
const plain = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity };

const dev = useDevWorker();

/** The entry: a handler for Chaos that calls a helper in pricing.ts. */
const INDEX = `import { createWorkerHandler } from "letsgo-worker/runtime";
import { totalCents, type Order } from "./pricing.js";

export const handler = createWorkerHandler({
  handlers: {
    Chaos: async (message: { payload: Order }) => {
      console.log(totalCents(message.payload)); // calls the helper
    },
  },
});
`;

/** The helper: types before the throwing line, so the .ts and the JavaScript tsx runs differ in lines and columns. */
const PRICING = `/** One line of an order. */
export interface OrderLine {
  sku: string;
  cents: number;
}

export interface Order {
  customer?: { name: string };
  lines: OrderLine[];
}

export function totalCents(order: Order): number {
  const label: string = order.customer!.name.trim(); // throws: no customer
  return order.lines.reduce((sum: number, line: OrderLine) => sum + line.cents, 0) + label.length * 0;
}
`;

const ERROR = "TypeError: Cannot read properties of undefined (reading 'name')";

/** "file:line:col" of the first line of `source` holding `marker`, the column at `columnOf`. */
function position(file: string, source: string, marker: string, columnOf: string): string {
  const lines = source.split("\n");
  const index = lines.findIndex((line) => line.includes(marker));
  return `${file}:${index + 1}:${lines[index]!.indexOf(columnOf) + 1}`;
}

/** V8 points at the property it could not read. */
const THROWS_AT = position("apps/worker/src/pricing.ts", PRICING, "// throws", "name.trim");
const CALLED_AT = position("apps/worker/src/index.ts", INDEX, "// calls the helper", "totalCents(");

/** A project with INDEX and PRICING, where the first failure dead-letters the message. */
async function chaosProject(): Promise<TestProject> {
  const project = await dev.project({ handler: INDEX, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 } });
  await writeFile(path.join(path.dirname(project.entry), "pricing.ts"), PRICING);
  return project;
}

/** Send one Chaos message and wait until it is in the DLQ. */
async function sendChaos(worker: DevWorker): Promise<{ id: string; stack?: string }> {
  const failed = waitForEvent(worker, "message:failed");
  const dead = waitForEvent(worker, "message:dead");
  const reply = await post(worker.url, { type: "Chaos", payload: { lines: [] } });
  assert.equal(reply.status, 201);
  const [outcome] = await Promise.all([failed, dead]);
  return outcome;
}

/** The lines printed under the ✗ line, indented. */
function framesUnderFailure(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith("✗ Chaos"));
  assert.notEqual(start, -1, `no ✗ line in:\n${text}`);
  const frames: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("    ")) break;
    frames.push(line);
  }
  return frames;
}

describe("dev: stack traces of failed messages", () => {
  it("shows the error, then the user's frames at their .ts lines, project-relative; GET /dlq and dlq list keep the stack", async () => {
    // Prepare
    const project = await chaosProject();
    const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });
    assert.equal(worker.handler.loaded, true, worker.handler.error);
    let text = "";
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: plain, projectDir: project.dir, watching: false });

    // Act
    const failed = await sendChaos(worker);
    detach();

    // Assess: the console
    assert.match(text, new RegExp(`^✗ Chaos ${failed.id.slice(0, 8)} 1/1 \\d+ms ${ERROR.replace(/[()]/g, "\\$&")}$`, "m"));
    const frames = framesUnderFailure(text);
    assert.deepEqual(frames.slice(0, 2), [`    at totalCents (${THROWS_AT})`, `    at Chaos (${CALLED_AT})`]);
    assert.ok(frames.length <= 3, frames.join("\n"));
    for (const frame of frames) assert.doesNotMatch(frame, /node_modules|node:internal|tsx|runtime[\\/]/);

    // Assess: the event carries the whole stack, absolute paths, .ts lines (tsx runs the handler with source maps)
    assert.ok(failed.stack?.startsWith(`${ERROR}\n`), failed.stack);
    assert.ok(failed.stack?.includes(path.join(project.dir, THROWS_AT)), failed.stack);

    // Assess: GET /dlq
    const dlq = await request(worker.url, "GET", "/dlq");
    assert.equal(dlq.status, 200);
    assert.equal(dlq.body.messages[0].lastError, ERROR);
    assert.ok(String(dlq.body.messages[0].lastErrorStack).includes(`pricing.ts:${THROWS_AT.split(":")[1]}:`), dlq.body.messages[0].lastErrorStack);

    // Assess: the real CLI, as JSON and for people
    const json = await runCli(["dlq", "list", "--json", "--url", worker.url, "--cwd", project.dir]);
    assert.equal(json.code, 0, json.stderr);
    const [listed] = JSON.parse(json.stdout) as Array<{ messageId: string; lastError: string; lastErrorStack: string | null }>;
    assert.equal(listed?.messageId, failed.id);
    assert.ok(listed?.lastErrorStack?.includes(path.join(project.dir, THROWS_AT)), listed?.lastErrorStack ?? "null");
    const human = await runCli(["dlq", "list", "--url", worker.url, "--cwd", project.dir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`  error: ${ERROR.replace(/[()]/g, "\\$&")}\\n {11}at totalCents \\(${THROWS_AT}\\)\\n {11}at Chaos \\(${CALLED_AT}\\)\\n  body: `));
  });

  it("a message that failed without a stack has lastErrorStack null", async () => {
    // Prepare: a handler that returns the message as failed, with nothing thrown.
    const project = await dev.project({
      handler: `export async function handler(event: any) { return { batchItemFailures: event.Records.map((r: any) => ({ itemIdentifier: r.messageId })) }; }\n`,
      env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 },
    });
    const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });

    // Act
    const failed = await sendChaos(worker);

    // Assess
    assert.equal(failed.stack, undefined);
    const dlq = await request(worker.url, "GET", "/dlq");
    assert.equal(dlq.body.messages[0].lastErrorStack, null);
  });

  it("a throw out of the handler itself fails the batch with its stack", async () => {
    // Prepare
    const project = await dev.project({
      handler: `import { totalCents } from "./pricing.js";\nexport async function handler(event: any) {\n  totalCents(JSON.parse(event.Records[0].body).payload);\n}\n`,
      env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 },
    });
    await writeFile(path.join(path.dirname(project.entry), "pricing.ts"), PRICING);
    const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });

    // Act
    const failed = await sendChaos(worker);

    // Assess
    assert.ok(failed.stack?.includes(path.join(project.dir, THROWS_AT)), failed.stack);
    const dlq = await request(worker.url, "GET", "/dlq");
    assert.ok(String(dlq.body.messages[0].lastErrorStack).includes(path.join(project.dir, THROWS_AT)));
  });

  it("an unhandled rejection fails the batch with the rejected error's stack", async () => {
    // Prepare: the helper's failure is left unawaited.
    const project = await dev.project({
      handler: `import { totalCents } from "./pricing.js";\nexport async function handler(event: any) {\n  void (async () => totalCents(JSON.parse(event.Records[0].body).payload))();\n  return { batchItemFailures: [] };\n}\n`,
      env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 },
    });
    await writeFile(path.join(path.dirname(project.entry), "pricing.ts"), PRICING);
    const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });

    // Act
    const failed = (await sendChaos(worker)) as { error?: string; stack?: string };

    // Assess
    assert.match(failed.error ?? "", /Runtime\.UnhandledPromiseRejection: TypeError: Cannot read properties of undefined/);
    assert.ok(failed.stack?.includes(path.join(project.dir, THROWS_AT)), failed.stack);
  });

  it("`letsgo-worker dev --verbose` prints the whole stack under the ✗ line", async () => {
    // Prepare: the real CLI, for people (not --json).
    const project = await chaosProject();
    const child = spawn(process.execPath, [BIN, "dev", "--cwd", project.dir, "--port", "0", "--no-watch", "--no-schedule", "--verbose"], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    dev.release(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    });
    let stdout = "";
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const printed = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const look = () => {
          const match = stdout.match(pattern);
          if (!match) return;
          child.stdout!.off("data", look);
          resolve(match);
        };
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => ((stdout += chunk), look()));
        void exited.then(() => reject(new Error(`dev exited before printing ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
      });
    const [url] = await printed(/http:\/\/127\.0\.0\.1:\d+/);

    // Act
    const reply = await post(url, { type: "Chaos", payload: { lines: [] } });
    assert.equal(reply.status, 201);
    await printed(/☠ Chaos/);

    // Assess
    const frames = framesUnderFailure(stdout);
    assert.equal(frames[0], `    at totalCents (${THROWS_AT})`);
    assert.equal(frames[1], `    at Chaos (${CALLED_AT})`);
    assert.ok(frames.length > 3, frames.join("\n"));
    assert.ok(frames.some((frame) => /workerHandler/.test(frame)), `the runtime's frames too:\n${frames.join("\n")}`);
  });
});
