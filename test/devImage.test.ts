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
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { lambdaBaseImage, scaffoldWorker, setHandlerBody, startTestEngine, type TestEngine } from "./support/docker.ts";
import { post, request, startDevCli, type DevCli } from "./support/devServer.ts";
import { runCli } from "./support/cli.ts";

const engineOrSkip = await startTestEngine();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : false;
const needsEngine = { skip };

const HANDLER_BODY = [
  'if (message.payload.orderId === "bad") throw new Error("order bad failed");',
  'if (message.payload.orderId === "write") (await import("node:fs")).writeFileSync("/var/task/orders.log", "x");',
  'console.log("order", message.payload.orderId, "on node", process.version, "in", process.env.LAMBDA_TASK_ROOT, "memory", process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);',
].join("\n  ");

describe("Command: dev --image, the built image run as Lambda runs it", { timeout: 300_000 }, () => {
  const engine = engineOrSkip as TestEngine;
  let dir: string;
  let dev: DevCli;
  let handlerFile: string;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-dev-image-"));
    ({ handlerFile } = await scaffoldWorker(dir, { deployment: `img-${process.pid}`, handlerBody: HANDLER_BODY }));
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

  it("rebuilds the image when a file the handler loads is saved, and the next batch runs the new code", needsEngine, async () => {
    const before = (await request(dev.url, "GET", "/api/overview")).body.handler.image as string;
    await setHandlerBody(handlerFile, 'console.log("second version handled", message.payload.orderId);');
    await dev.waitForLine((line) => line.event === "handler:loaded" && line.reloaded === true);
    const after = (await request(dev.url, "GET", "/api/overview")).body.handler.image as string;
    assert.notEqual(after, before, "a new image, tagged by its content");
    await post(dev.url, { type: "OrderNew", payload: { orderId: "after-reload" } });
    await dev.waitForLine((line) => line.event === "handler:output" && /second version handled after-reload/.test(line.line));
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
