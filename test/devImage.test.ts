/**
 * `letsgo-worker dev --image` through the real binary: the image `build` makes
 * (on a stand-in of AWS's Node base image that keeps its start-up contract and
 * runs AWS's own runtime client, test/support/docker.ts) runs each batch in a
 * container, behind the same queue, retries, DLQ, schedule and dashboard as
 * plain `dev`. A handler that works here and would fail in Lambda is a bug:
 * writing outside /tmp fails here as there.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { lambdaBaseImage, scaffoldWorker, setHandlerBody, startTestEngine, type TestEngine } from "./support/docker.ts";
import { post, request, startDevCli, type DevCli } from "./support/devServer.ts";
import { runCli } from "./support/cli.ts";
import { setEnvValues } from "../src/project/dotenv.ts";
import { workerPaths } from "../src/project/paths.ts";

const engineOrSkip = await startTestEngine();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : false;
const needsEngine = { skip };

const HANDLER_BODY = [
  'if (message.payload.orderId === "bad") throw new Error("order bad failed");',
  'if (message.payload.orderId === "write") (await import("node:fs")).writeFileSync("/var/task/orders.log", "x");',
  // Off V8's heap: only the container's memory limit stops it, as in Lambda.
  'if (message.payload.orderId === "hog") { const held = []; for (;;) held.push(Buffer.alloc(8 * 1024 * 1024, 1)); }',
  'if (message.payload.orderId === "hang") await new Promise((resolve) => setTimeout(resolve, 600_000));',
  // A promise nothing will settle, and nothing else pending: Node's event loop empties under AWS's runtime client.
  'if (message.payload.orderId === "stall") await new Promise(() => {});',
  'console.log("order", message.payload.orderId, "on node", process.version, "in", process.env.LAMBDA_TASK_ROOT, "memory", process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);',
].join("\n  ");

/** Poll (bounded) until the listing is empty. */
async function waitUntilGone(list: () => Promise<unknown[]>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = await list();
    if (left.length === 0) return;
    if (Date.now() > deadline) assert.fail(`still there after 60 s: ${JSON.stringify(left).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("Command: dev --image, the built image run as Lambda runs it", { timeout: 300_000 }, () => {
  const engine = engineOrSkip as TestEngine;
  let dir: string;
  let dev: DevCli;
  let handlerFile: string;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-dev-image-"));
    ({ handlerFile } = await scaffoldWorker(dir, { deployment: `img-${process.pid}`, handlerBody: HANDLER_BODY }));
    // A short function timeout for the hanging handler; the memory stays Lambda's default, 128 MB.
    const envFile = workerPaths(dir).envFile;
    await writeFile(envFile, setEnvValues(await readFile(envFile, "utf8"), { LETSGO_WORKER_FUNCTION_TIMEOUT: "5" }));
    const base = await lambdaBaseImage(engine.docker);
    dev = await startDevCli(dir, ["--image", "--base-image", base, "--no-schedule", "--no-typecheck"], { DOCKER_HOST: engine.host });
  });

  after(async () => {
    if (skip) return;
    await dev?.stop();
    const leftovers = await engine.docker.listContainers({ all: true, filters: { label: ["letsgo.dev=execution-environment"] } });
    await rm(dir, { recursive: true, force: true });
    await engine.close();
    assert.deepEqual(leftovers, [], "dev removed its containers when it stopped");
  });

  it("says the handler runs in containers of the image it built, on the dashboard's overview", needsEngine, async () => {
    const overview = await request(dev.url, "GET", "/api/overview");
    assert.equal(overview.status, 200);
    assert.equal(overview.body.handler.loaded, true);
    assert.match(overview.body.handler.image, new RegExp(`^letsgo-worker-img-${process.pid}:[0-9a-f]{20}$`));
  });

  it("handles a batch in a container: a good order handled, a throwing one failed and kept for retry, the image's files read-only", needsEngine, async () => {
    const sent = await post(dev.url, [
      { type: "OrderNew", payload: { orderId: "good" } },
      { type: "OrderNew", payload: { orderId: "bad" } },
      { type: "OrderNew", payload: { orderId: "write" } },
    ]);
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const [good, bad, write] = sent.body.messageIds as string[];
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === good);
    const badFailure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === bad);
    const writeFailure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === write);
    assert.equal(badFailure.dead, false);
    // The error as the handler threw it, from the runtime's own log line (the container's only channel for it, as Lambda's logs are).
    assert.equal(badFailure.error, "Error: order bad failed");
    assert.match(writeFailure.error, /^Error: EROFS: read-only file system/);
    assert.equal(writeFailure.attempt, 1);
    // What the handler printed, from inside the container, filed under its attempt.
    const printed = await dev.waitForLine((line) => line.event === "handler:output" && /order good on node v\d+/.test(line.line));
    assert.match(printed.line, /in \/var\/task memory \d+/);
    assert.ok(printed.requestId, "the line names the invocation it came from");
    await dev.waitForLine((line) => line.event === "handler:output" && /EROFS: read-only file system, open '\/var\/task\/orders\.log'/.test(line.line));
  });

  it("kills a handler over the function's memory (the container's limit), failing its batch for retry", needsEngine, async () => {
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "hog" } });
    const failure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === sent.body.messageIds[0]);
    assert.match(failure.error, /^Runtime\.OutOfMemory/);
    assert.equal(failure.dead, false);
    // The killed container is removed, and its Runtime API closed, while dev goes on.
    await waitUntilGone(() => engine.docker.listContainers({ all: true, filters: { label: ["letsgo.dev=execution-environment"], status: ["exited"] } }));
  });

  it("ends a handler at the function timeout, as Lambda does", needsEngine, async () => {
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "hang" } });
    const failure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === sent.body.messageIds[0]);
    assert.match(failure.error, /Task timed out after 5\.00 seconds/);
    // The next batch gets a fresh container, and is handled.
    const next = await post(dev.url, { type: "OrderNew", payload: { orderId: "after-timeout" } });
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === next.body.messageIds[0]);
  });

  it("ends the environment as AWS's runtime client does when a handler awaits a promise nothing settles (the event loop empties)", needsEngine, async () => {
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "stall" } });
    const failure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === sent.body.messageIds[0]);
    assert.equal(failure.error, "Runtime.ExitError: Runtime exited with error: exit status 0");
  });

  it("takes a signed Stripe event at /stripe and runs its handler in a container", needsEngine, async () => {
    const trigger = await runCli(["stripe", "trigger", "customer.created", "--url", dev.url, "--cwd", dir, "--json"]);
    assert.equal(trigger.code, 0, trigger.stderr);
    const handled = await dev.waitForLine((line) => line.event === "message:handled" && line.type === "letsgo:stripe");
    assert.ok(handled.requestId, "run as an invocation of a container");
  });

  it("rebuilds the image when a file the handler loads is saved, and the next batch runs the new code", needsEngine, async () => {
    const before = (await request(dev.url, "GET", "/api/overview")).body.handler.image as string;
    await setHandlerBody(handlerFile, 'console.log("second version handled", message.payload.orderId);');
    await dev.waitForLine((line) => line.event === "handler:loaded" && line.reloaded === true);
    const after = (await request(dev.url, "GET", "/api/overview")).body.handler.image as string;
    assert.notEqual(after, before, "a new image, tagged by its content");
    await post(dev.url, { type: "OrderNew", payload: { orderId: "after-reload" } });
    await dev.waitForLine((line) => line.event === "handler:output" && /second version handled after-reload/.test(line.line));
  });

  it("reports a handler that throws at import as Lambda's init error, and loads again once fixed", needsEngine, async () => {
    const source = await readFile(handlerFile, "utf8");
    await writeFile(handlerFile, `throw new Error("cannot load: SHOP_NAME is missing");\n${source}`);
    const failed = await dev.waitForLine((line) => line.event === "handler:load-error");
    assert.match(failed.error, /cannot load: SHOP_NAME is missing/);
    assert.equal((await request(dev.url, "GET", "/api/overview")).body.handler.loaded, false);
    await writeFile(handlerFile, source);
    await dev.waitForLine((line) => line.event === "handler:loaded" && dev.lines.indexOf(line) > dev.lines.indexOf(failed));
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "fixed" } });
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === sent.body.messageIds[0]);
  });

  it("refuses an image of another architecture than the engine's, saying how to fix it", needsEngine, async () => {
    const other = engine.platform === "linux/amd64" ? "linux/arm64" : "linux/amd64";
    const project = await mkdtemp(path.join(os.tmpdir(), "letsgo-dev-image-arch-"));
    try {
      await scaffoldWorker(project, { deployment: `arch-${process.pid}` });
      const run = await runCli(["dev", "--cwd", project, "--port", "0", "--image", "--platform", other], { env: { ...process.env, DOCKER_HOST: engine.host } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`this engine runs \\S+ images, and the function's is \\S+ \\(${other}\\)`));
      assert.match(run.stderr, /set LETSGO_WORKER_ARCHITECTURE=/);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it("runs the scheduled handler in a container too", needsEngine, async () => {
    const ran = await request(dev.url, "POST", "/schedule");
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    const outcome = await dev.waitForLine((line) => line.event === "schedule:ran");
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
  });
});
