/**
 * Module resolution in dev's handler process, and which entry it loads: a real
 * scaffold and the bundled shop example run without `npm install`
 * (`letsgo-worker/runtime` is this installation's runtime, `@letsgo/types` falls
 * back to packages/types/index.ts), server.ts is the local entry when it exists,
 * and a module that does not load says why.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, writeFile } from "node:fs/promises";
import path from "node:path";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import { type DevWorker } from "../src/dev/worker.js";
import { REPO_ROOT, runCli, tempDir } from "./support/cli.js";
import { post, readLog, RECORDING_HANDLER, waitForEvent, useDevWorker } from "./support/devServer.js";
import { scaffoldProject } from "./support/scaffold.js";

const identity = (text: string) => text;
const plain = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity };

const dev = useDevWorker();

/** Wait for the handler to print a line containing `text` and for its message to be handled. */
async function handleOne(worker: DevWorker, message: unknown, printed: string): Promise<void> {
  const output = waitForEvent(worker, "handler:output", (o) => o.line.includes(printed));
  const handled = waitForEvent(worker, "message:handled");
  const failed = waitForEvent(worker, "message:failed").then((o) => assert.fail(`message failed: ${o.error}`));
  const reply = await post(worker.url, message);
  assert.equal(reply.status, 201);
  await Promise.race([Promise.all([output, handled]), failed]);
}

describe("dev handler process: module resolution and entry", () => {
  it("runs a fresh scaffold with no node_modules: add-message OrderNew, then a message reaches its handler", async () => {
    const project = await scaffoldProject();
    dev.release(project.cleanup);
    const added = await runCli(["add-message", "OrderNew", "--field", "orderId:string", "--cwd", project.dir]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(existsSync(path.join(project.dir, "node_modules")), false);

    const worker = await dev.worker({ projectDir: project.dir, watch: false, schedule: false });
    assert.equal(worker.handler.loaded, true, worker.handler.error);
    assert.equal(path.relative(project.dir, worker.entry), path.join("apps", "worker", "src", "server.ts"));
    await handleOne(worker, { type: "OrderNew", payload: { orderId: "o_42" } }, "o_42");
  });

  it("runs the bundled examples/shop (as `npm start` does): an OrderNew message is handled, and its follow-up sent with @letsgo/queue comes back to dev", async () => {
    const { dir, cleanup } = await tempDir("letsgo-shop-");
    dev.release(cleanup);
    const skip = /[\\/](\.letsgo|node_modules)([\\/]|$)|[\\/]\.env$/;
    await cp(path.join(REPO_ROOT, "examples", "shop"), dir, { recursive: true, filter: (source) => !skip.test(source) });

    const worker = await dev.worker({ projectDir: dir, watch: false, schedule: false, overrides: { LETSGO_WORKER_BATCHING_WINDOW: 0 } });
    assert.equal(worker.handler.loaded, true, worker.handler.error);
    const followUp = waitForEvent(worker, "handler:output", (o) => o.line.includes("Follow up with c_1: how was order o_1?"));
    await handleOne(worker, { type: "OrderNew", payload: { orderId: "o_1", customerId: "c_1", totalCents: 1999 } }, "Order o_1 for c_1: $19.99");
    assert.equal(worker.stats().delayed, 1, "the follow-up waits its 5 s delay in this dev worker");
    await followUp;
  });

  it("loads server.ts when it exists, and messages reach index.ts's handler through it", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const server = path.join(path.dirname(project.entry), "server.ts");
    await writeFile(server, `console.log("local setup from server.ts");\nexport { handler } from "./index";\n`);
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    assert.equal(worker.entry, server);
    const handled = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Hello", payload: {} });
    await handled;
    assert.equal((await readLog(project.log)).length, 1, "index.ts's handler got the batch");

    let text = "";
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: plain, projectDir: project.dir, watching: false });
    worker.emit("ready", { url: worker.url });
    detach();
    assert.match(text, /handler {3}apps\/worker\/src\/server\.ts \(loaded in \d+ ms\) → handler of index\.ts/);
  });

  it("says why the handler did not load: in the banner, without loader noise, with a hint", async () => {
    const project = await dev.project({ handler: `import pad from "left-pad-not-installed";\nexport const handler = async () => pad;\n` });
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    assert.equal(worker.handler.loaded, false);
    const error = worker.handler.error ?? "";
    // The image's bundler's error, as `build` would give it: file, line, column, the line itself.
    assert.match(error, /^apps\/worker\/src\/index\.ts:1:17: Could not resolve "left-pad-not-installed"\n\s+import pad from "left-pad-not-installed";/);
    assert.match(error, /hint: "left-pad-not-installed" is not installed/);
    assert.doesNotMatch(error, /node:internal|tsx[\\/]dist/);

    let text = "";
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: plain, projectDir: project.dir, watching: false });
    worker.emit("ready", { url: worker.url });
    detach();
    assert.match(text, /\(failed to load\)\n\s+apps\/worker\/src\/index\.ts:1:17: Could not resolve "left-pad-not-installed"/);
  });

  it("a module that throws while loading: the error and the user's .ts line, no bundle or loader frames", async () => {
    const project = await dev.project({ handler: `const config: { url?: string } = {};\n\nif (!config.url) throw new Error("DATABASE_URL is not set");\nexport const handler = async () => {};\n` });
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    assert.equal(worker.handler.loaded, false);
    const error = worker.handler.error ?? "";
    assert.match(error, /^Error: DATABASE_URL is not set\n\s+at .*apps\/worker\/src\/index\.ts:3:\d+/);
    assert.doesNotMatch(error, /node:internal|\.letsgo[\\/]bundle|letsgo-worker-entry|child\.[jt]s/);
  });

  it("a native addon names the install list, as `build` would fail on it", async () => {
    const project = await dev.project({ handler: `import addon from "./native.node";\nexport const handler = async () => addon;\n` });
    await writeFile(path.join(path.dirname(project.entry), "native.node"), "not really a binary");
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    assert.equal(worker.handler.loaded, false);
    assert.match(worker.handler.error ?? "", /No loader is configured for "\.node" files/);
    assert.match(worker.handler.error ?? "", /hint: a native addon cannot be bundled: list its package under "letsgo-worker": \{ "install"/);
  });

  it("tells a server.ts without a handler export to re-export index.ts's", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    await writeFile(path.join(path.dirname(project.entry), "server.ts"), `export const nothing = 1;\n`);
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    assert.equal(worker.handler.loaded, false);
    assert.match(worker.handler.error ?? "", /server\.ts does not export a `handler` function: .*export \{ handler \} from "\.\/index"/);
  });
});
