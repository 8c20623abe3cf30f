/**
 * A real dev worker reloading what its handler runs: another workspace package
 * (imported by relative path, or linked in node_modules and compiled as
 * CommonJS) reloads when edited, and the watched set follows the code; temporary
 * files, unchanged saves, touches and node_modules do not reload; apps/worker/.env
 * applies the handler's environment and STRIPE_WEBHOOK_SECRET live, names deploy
 * settings for a restart, and keeps the last good settings when it does not read.
 * Every wait is on an event, bounded; a "nothing happened" is checked by what
 * was reported before the next real change.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rename, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import Stripe from "stripe";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import type { DevWorker, DevWorkerEvents } from "../src/dev/worker.ts";
import { buildStripeTestEvent } from "../src/stripe/testEvents.ts";
import { post, useDevWorker, waitForEvent, type TestProject } from "./support/devServer.ts";

const dev = useDevWorker();

/** Prints one JSON line per record: its type, and what the handler's code and environment say. */
const handlerImporting = (imports: string, fields: string) => `
${imports}
export async function handler(event: any) {
  for (const record of event.Records) {
    console.log(JSON.stringify({ type: JSON.parse(record.body).type, ${fields} }));
  }
  return { batchItemFailures: [] };
}
`;

/** A promise that fails after `ms` (the test must not hang on a reload that never comes). */
function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function next<K extends keyof DevWorkerEvents>(worker: DevWorker, event: K, match: (value: DevWorkerEvents[K][0]) => boolean = () => true) {
  return within(waitForEvent(worker, event, match), event);
}

/** Send a message of `type` and get what the handler printed for it. */
async function handle(worker: DevWorker, type: string): Promise<Record<string, unknown>> {
  const printed = next(worker, "handler:output", (o) => o.line.startsWith("{") && JSON.parse(o.line).type === type);
  assert.equal((await post(worker.url, { type, payload: {} })).status, 201);
  return JSON.parse((await printed).line);
}

/** Every event of a kind from now on. */
function record<K extends keyof DevWorkerEvents>(worker: DevWorker, event: K): Array<DevWorkerEvents[K][0]> {
  const seen: Array<DevWorkerEvents[K][0]> = [];
  worker.on(event, ((value: DevWorkerEvents[K][0]) => seen.push(value)) as never);
  return seen;
}

async function put(project: TestProject, name: string, content: string): Promise<string> {
  const file = path.join(project.dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

/** Save `content` to `file` and wait until the handler runs it. */
async function edit(worker: DevWorker, file: string, content: string): Promise<DevWorkerEvents["reload"][0]> {
  const reload = next(worker, "reload");
  const loaded = next(worker, "handler:loaded"); // `reloaded` is false when the code had never loaded
  await writeFile(file, content);
  const [event] = await Promise.all([reload, loaded]);
  return event;
}

describe("dev reloads what the handler loads", () => {
  it("reloads for a workspace package imported by relative path, not for temporary files, unchanged saves, touches or node_modules; the watched set follows the code", async () => {
    // Prepare
    const handler = handlerImporting(`import { V } from "../../../packages/shared/index";\nimport dep from "dep";`, "v: V, dep");
    const project = await dev.project({ handler });
    const shared = await put(project, "packages/shared/index.ts", "export const V = 1;\n");
    const other = await put(project, "packages/other/index.ts", "export const V = 10;\n");
    await put(project, "node_modules/dep/package.json", JSON.stringify({ name: "dep", type: "module", exports: "./index.js" }));
    const depFile = await put(project, "node_modules/dep/index.js", "export default 1;\n");
    const worker = await dev.worker({ projectDir: project.dir, watch: true, schedule: false });
    assert.equal(worker.handler.loaded, true, worker.handler.error);
    assert.deepEqual(await handle(worker, "First"), { type: "First", v: 1, dep: 1 });
    const reloads = record(worker, "reload");

    // Act: what must not reload, then a real edit of the package
    await put(project, "packages/shared/foo.tmp", "draft");
    await put(project, "apps/worker/src/notes.tmp", "draft");
    await writeFile(shared, "export const V = 1;\n");
    await writeFile(project.entry, handler);
    await utimes(shared, new Date(), new Date(Date.now() + 5_000));
    await writeFile(`${shared}.letsgo-31238.tmp`, "export const V = 1;\n");
    await rename(`${shared}.letsgo-31238.tmp`, shared);
    await writeFile(depFile, "export default 2;\n");
    const reload = await edit(worker, shared, "export const V = 2;\n");

    // Assess
    assert.deepEqual(reload, { reason: "source", files: [shared] });
    assert.deepEqual(reloads, [reload], "only the real edit reloaded");
    // A new process reads node_modules as it is now; a change there alone does not reload.
    assert.deepEqual(await handle(worker, "Second"), { type: "Second", v: 2, dep: 2 });

    // Act: the handler now imports packages/other instead
    await edit(worker, project.entry, handler.replace("packages/shared/index", "packages/other/index"));
    assert.deepEqual(await handle(worker, "Third"), { type: "Third", v: 10, dep: 2 });
    reloads.length = 0;
    await writeFile(shared, "export const V = 3;\n");
    const followed = await edit(worker, other, "export const V = 11;\n");

    // Assess
    assert.deepEqual(followed, { reason: "source", files: [other] });
    assert.deepEqual(reloads, [followed], "packages/shared left the module graph: no longer watched");
    assert.deepEqual(await handle(worker, "Fourth"), { type: "Fourth", v: 11, dep: 2 });
  });

  it("reloads for a workspace package linked in node_modules and compiled as CommonJS, down to a file it require()s", async () => {
    // Prepare
    const project = await dev.project({ handler: handlerImporting(`import { greeting } from "@acme/linked";`, "greeting") });
    await put(project, "packages/linked/package.json", JSON.stringify({ name: "@acme/linked", exports: "./index.ts" })); // no "type": CommonJS
    await put(project, "packages/linked/index.ts", `export { greeting } from "./greeting";\n`);
    const greeting = await put(project, "packages/linked/greeting.ts", `export const greeting = "hello";\n`);
    await mkdir(path.join(project.dir, "node_modules", "@acme"), { recursive: true });
    await symlink(path.join("..", "..", "packages", "linked"), path.join(project.dir, "node_modules", "@acme", "linked"), "dir");
    const worker = await dev.worker({ projectDir: project.dir, watch: true, schedule: false });
    assert.equal(worker.handler.loaded, true, worker.handler.error);
    assert.deepEqual(await handle(worker, "Before"), { type: "Before", greeting: "hello" });

    // Act
    const reload = await edit(worker, greeting, `export const greeting = "bonjour";\n`);

    // Assess
    assert.deepEqual(reload, { reason: "source", files: [greeting] });
    assert.deepEqual(await handle(worker, "After"), { type: "After", greeting: "bonjour" });
  });

  it("tries failing code again at once when the package file that broke it is fixed", async () => {
    // Prepare: the retry's backoff is far away, so only the save can load it
    const project = await dev.project({ handler: handlerImporting(`import { V } from "../../../packages/shared/index";`, "v: V") });
    const shared = await put(project, "packages/shared/index.ts", "export const V = ;\n");
    const worker = await dev.worker({ projectDir: project.dir, watch: true, schedule: false, loadRetryMs: 600_000 });
    assert.equal(worker.handler.loaded, false);

    // Act
    const reload = await edit(worker, shared, "export const V = 1;\n");

    // Assess
    assert.deepEqual(reload, { reason: "source", files: [shared] });
    assert.deepEqual(await handle(worker, "Fixed"), { type: "Fixed", v: 1 });
  });
});

describe("dev applies apps/worker/.env while it runs", () => {
  const OLD = "whsec_letsgo_old";
  const NEW = "whsec_letsgo_new";

  async function deliver(worker: DevWorker, secret: string): Promise<number> {
    const payload = JSON.stringify(buildStripeTestEvent("customer.created"));
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    const response = await fetch(`${worker.url}/stripe`, { method: "POST", body: payload, headers: { "content-type": "application/json", "stripe-signature": signature } });
    await response.arrayBuffer();
    return response.status;
  }

  it("verifies POST /stripe with a new STRIPE_WEBHOOK_SECRET and gives the handler a changed variable of its own, without a restart", async () => {
    // Prepare
    const { project, worker } = await dev.start({
      handler: handlerImporting("", "myVar: process.env.MY_VAR ?? null"),
      env: { STRIPE_WEBHOOK_SECRET: OLD, MY_VAR: "one" },
      worker: { watch: true, schedule: false },
    });
    assert.equal(await deliver(worker, OLD), 200);
    assert.deepEqual(await handle(worker, "Before"), { type: "Before", myVar: "one" });
    const changed = next(worker, "settings:changed");
    const reloaded = next(worker, "handler:loaded", (o) => o.reloaded);

    // Act
    await put(project, "apps/worker/.env", `LETSGO_WORKER_BATCHING_WINDOW=0\nLETSGO_WORKER_SCHEDULE=\nSTRIPE_WEBHOOK_SECRET=${NEW}\nMY_VAR=two\n`);

    // Assess
    assert.deepEqual(await changed, { file: path.join(project.dir, "apps/worker/.env"), applied: ["STRIPE_WEBHOOK_SECRET", "MY_VAR"], needsRestart: [] });
    await reloaded;
    assert.equal(await deliver(worker, OLD), 400, "the old secret no longer verifies");
    assert.equal(await deliver(worker, NEW), 200);
    assert.deepEqual(await handle(worker, "After"), { type: "After", myVar: "two" });
  });

  it("names a deploy setting for a restart, keeps the last good settings when the file does not read, and prints both", async () => {
    // Prepare
    const { project, worker } = await dev.start({ handler: handlerImporting("", "myVar: process.env.MY_VAR ?? null"), worker: { watch: true, schedule: false } });
    const identity = (text: string) => text;
    const style = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity };
    let human = "";
    let json = "";
    const detachHuman = attachConsole(worker, { json: false, out: (t) => (human += t), style, projectDir: project.dir, watching: true });
    const detachJson = attachConsole(worker, { json: true, out: (t) => (json += t), style, projectDir: project.dir, watching: true });
    const reloads = record(worker, "reload");
    const envFile = path.join(project.dir, "apps/worker/.env");
    const write = (text: string) => writeFile(envFile, `LETSGO_WORKER_BATCHING_WINDOW=0\n${text}LETSGO_WORKER_SCHEDULE=\n`);

    // Act / Assess: a deploy setting
    const restart = next(worker, "settings:changed");
    await write("LETSGO_WORKER_BATCH_SIZE=3\n");
    assert.deepEqual(await restart, { file: envFile, applied: [], needsRestart: ["LETSGO_WORKER_BATCH_SIZE"] });
    assert.deepEqual(reloads, [], "the handler's environment did not change");
    assert.equal(worker.settings.LETSGO_WORKER_BATCH_SIZE, 10, "dev runs on with the batch size it started with");

    // Act / Assess: a value out of range, with a change that would apply
    const invalid = next(worker, "settings:invalid");
    await write("LETSGO_WORKER_BATCH_SIZE=0\nMY_VAR=x\n");
    assert.match((await invalid).error, /apps\/worker\/\.env:2: LETSGO_WORKER_BATCH_SIZE must be between 1 and 10000, got 0/);
    assert.deepEqual(reloads, []);
    assert.deepEqual(await handle(worker, "WhileInvalid"), { type: "WhileInvalid", myVar: null });

    // Act / Assess: fixed; the batch size was named already
    const fixed = next(worker, "settings:changed");
    const reloaded = next(worker, "handler:loaded", (o) => o.reloaded);
    await write("LETSGO_WORKER_BATCH_SIZE=3\nMY_VAR=x\n");
    assert.deepEqual(await fixed, { file: envFile, applied: ["MY_VAR"], needsRestart: [] });
    await reloaded;
    assert.deepEqual(reloads, [{ reason: "settings", files: [envFile] }]);
    assert.deepEqual(await handle(worker, "Fixed"), { type: "Fixed", myVar: "x" });

    detachHuman();
    detachJson();
    const lines = human.split("\n");
    assert.ok(lines.includes("! LETSGO_WORKER_BATCH_SIZE changed in apps/worker/.env: restart dev to apply"), human);
    assert.ok(lines.includes("✗ apps/worker/.env:2: LETSGO_WORKER_BATCH_SIZE must be between 1 and 10000, got 0. Not applied: dev keeps its last good settings."), human);
    assert.ok(lines.includes("↻ MY_VAR changed in apps/worker/.env: applied"), human);
    const events = json.trim().split("\n").map((line) => JSON.parse(line)).filter((line) => /^(settings:|reload)/.test(line.event));
    assert.deepEqual(
      events.map(({ time: _time, ...rest }) => (rest.event === "settings:invalid" ? { ...rest, error: "..." } : rest)),
      [
        { event: "settings:changed", file: "apps/worker/.env", applied: [], needsRestart: ["LETSGO_WORKER_BATCH_SIZE"] },
        { event: "settings:invalid", file: "apps/worker/.env", error: "..." },
        { event: "settings:changed", file: "apps/worker/.env", applied: ["MY_VAR"], needsRestart: [] },
        { event: "reload", reason: "settings", files: ["apps/worker/.env"] },
      ],
    );
  });
});
