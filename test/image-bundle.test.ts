import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { ProjectError } from "../src/errors.js";
import { bundleWorker, type WorkerBundle } from "../src/image/bundle.js";
import { buildImage } from "../src/image/build.js";
import { BundleError } from "../src/image/errors.js";
import { goodAndBadOrders, invokeHandlerProgram, parseInvokeResult, scaffoldWorker, writeFixtureWorker } from "./support/docker.js";

const run = promisify(execFile);

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bundle-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Write the bundle where Lambda would have it and invoke its handler in a fresh Node process. */
async function invokeBundle(dir: string, bundle: WorkerBundle, event: unknown): Promise<unknown> {
  const taskRoot = path.join(dir, "task");
  await mkdir(taskRoot, { recursive: true });
  await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
  await writeFile(path.join(taskRoot, bundle.sourceMapName), bundle.sourceMap);
  // Run from an empty directory so nothing resolves from this repository's node_modules.
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", invokeHandlerProgram(path.join(taskRoot, bundle.fileName), event)], {
    cwd: taskRoot,
    env: { PATH: process.env.PATH },
  });
  return parseInvokeResult(stdout);
}

async function writeProjectFile(dir: string, name: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
  await writeFile(path.join(dir, name), text);
}

describe("Function: bundleWorker", () => {
  it("bundles a fixture worker with a local module and @letsgo/types from packages/types into one working file", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    await writeFixtureWorker(path.join(dir, "project"));

    // Act
    const bundle = await bundleWorker({ cwd: path.join(dir, "project") });
    const result = await invokeBundle(dir, bundle, goodAndBadOrders());

    // Assess
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: "bad" }] });
    assert.doesNotMatch(bundle.code.toString(), /@letsgo\/types/);
    assert.match(bundle.code.toString(), /\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const map = JSON.parse(bundle.sourceMap.toString()) as { sources: string[] };
    // Project-relative, so stack traces read apps/worker/src/... and the map does not depend on the machine.
    assert.ok(map.sources.includes("apps/worker/src/handlers/order.ts"), map.sources.join(", "));
    assert.ok(map.sources.every((source) => !source.startsWith("..") && !path.isAbsolute(source)), map.sources.join(", "));
  });

  it("bundles the scaffolded worker with add-message OrderNew, the runtime included", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    const project = path.join(dir, "project");
    await scaffoldWorker(project);

    // Act
    const bundle = await bundleWorker({ cwd: project });
    const result = await invokeBundle(dir, bundle, goodAndBadOrders());

    // Assess
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: "bad" }] });
    const code = bundle.code.toString();
    assert.doesNotMatch(code, /from\s*"(letsgo-worker|jose|@letsgo\/types)/, "runtime and its dependencies are inside the bundle");
    assert.ok(bundle.inputs.some((input) => /runtime[/\\]workerHandler/.test(input.path)), "the runtime is bundled");
    const map = JSON.parse(bundle.sourceMap.toString()) as { sources: string[] };
    assert.ok(map.sources.includes("node_modules/letsgo-worker/src/runtime/workerHandler.ts"), map.sources.join(", "));
  });

  it("checks payloads against @letsgo/types before the handler runs, in the image's bundle, with the text enqueue() refuses with", async (t) => {
    // Prepare: the scaffold's OrderNewMessage has { orderId: string }.
    const dir = await tempDir(t);
    const project = path.join(dir, "project");
    await scaffoldWorker(project);
    const event = goodAndBadOrders();
    event.Records[0]!.body = JSON.stringify({ type: "OrderNew", payload: { orderId: 42 } });

    // Act
    const bundle = await bundleWorker({ cwd: project });
    const taskRoot = path.join(dir, "task");
    await mkdir(taskRoot, { recursive: true });
    await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", invokeHandlerProgram(path.join(taskRoot, bundle.fileName), event)], { cwd: taskRoot, env: { PATH: process.env.PATH } });

    // Assess: "good" no longer fits (orderId is a number), "bad" reaches its handler and throws there.
    assert.deepEqual(parseInvokeResult(stdout), { batchItemFailures: [{ itemIdentifier: "good" }, { itemIdentifier: "bad" }] });
    // Failures are logged at error level, to stderr (Lambda sends both streams to CloudWatch).
    const failed = stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === "message failed");
    const good = failed.find((line) => line.messageId === "good");
    assert.ok(good, stderr);
    assert.equal(good.reason, "invalid-payload");
    assert.equal(good.error, "payload.orderId: expected string, got 42 (OrderNewMessage in @letsgo/types)");
    assert.equal(failed.find((line) => line.messageId === "bad")!.reason, "handler-error");
    assert.deepEqual(Object.keys(bundle.payloadSchemas.messages).sort(), ["OrderNew", "letsgo:contact", "letsgo:stripe", "letsgo:tenant:deleted", "letsgo:tenant:new"]);
  });

  it("warns about declared fields JSON cannot carry, and rewrites the app's shapes when the types moved on", async (t) => {
    const dir = await tempDir(t);
    const project = path.join(dir, "project");
    await scaffoldWorker(project);
    const typesFile = path.join(project, "packages/types/index.ts");
    const { readFile } = await import("node:fs/promises");
    await writeFile(typesFile, (await readFile(typesFile, "utf8")).replace("orderId: string;", "orderId: string;\n    dueAt: Date;"));

    const bundle = await bundleWorker({ cwd: project });

    assert.ok(bundle.warnings.some((w) => /^packages\/types\/index\.ts: OrderNewMessage\.payload\.dueAt is a Date, which cannot travel in a JSON message/.test(w)), bundle.warnings.join("\n"));
    assert.ok(bundle.warnings.some((w) => /^packages\/queue\/payloadSchemas\.ts did not match packages\/types\/index\.ts and was rewritten: rebuild and redeploy your app/.test(w)), bundle.warnings.join("\n"));
    assert.match(await readFile(path.join(project, "packages/queue/payloadSchemas.ts"), "utf8"), /"dueAt"/);
    const again = await bundleWorker({ cwd: project });
    assert.ok(!again.warnings.some((w) => /was rewritten/.test(w)), "current now: no warning");
  });

  it("bundles a handler that sends follow-ups with @letsgo/queue (packages/queue, no npm install), leaving the SQS client to the base image", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    const project = path.join(dir, "project");
    await scaffoldWorker(project);
    await writeProjectFile(
      project,
      "apps/worker/src/handlers/orderNewHandler.ts",
      [
        'import type { OrderNewMessage } from "@letsgo/types";',
        'import { MessageType } from "@letsgo/types";',
        'import { enqueue } from "@letsgo/queue";',
        'import type { MessageHandler } from "./index";',
        "export const orderNewHandler: MessageHandler<OrderNewMessage> = async (message) => {",
        '  if (message.payload.orderId === "bad") throw new Error("bad order");',
        '  if (message.payload.orderId === "follow") await enqueue({ type: MessageType.Contact, payload: { email: "a@b.c", message: "hi" } });',
        "};",
        "",
      ].join("\n"),
    );

    // Act
    const bundle = await bundleWorker({ cwd: project });
    const result = await invokeBundle(dir, bundle, goodAndBadOrders());

    // Assess
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: "bad" }] });
    const code = bundle.code.toString();
    assert.doesNotMatch(code, /from\s*"(letsgo-worker|@letsgo\/queue|@letsgo\/types)/, "the queue library is inside the bundle");
    assert.match(code, /import\("@aws-sdk\/client-sqs"\)/, "the SQS client stays a lazy import, provided by the base image");
    assert.ok(bundle.inputs.some((input) => /queue[/\\]sqsTransport/.test(input.path)));
  });

  it("gives byte-identical output for the same input", async (t) => {
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    const first = await bundleWorker({ cwd: dir });
    const second = await bundleWorker({ cwd: dir });
    assert.deepEqual(first.code, second.code);
    assert.deepEqual(first.sourceMap, second.sourceMap);
  });

  it("leaves the AWS SDK v3 to the base image and install-list packages to npm in the image", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    await writeProjectFile(
      dir,
      "apps/worker/src/index.ts",
      [
        'import { SQSClient } from "@aws-sdk/client-sqs";',
        'import sharp from "sharp";',
        "export const handler = async () => ({ client: typeof SQSClient, sharp: typeof sharp });",
        "",
      ].join("\n"),
    );

    // Act
    const bundle = await bundleWorker({ cwd: dir, external: ["sharp"] });

    // Assess
    const code = bundle.code.toString();
    assert.match(code, /from"@aws-sdk\/client-sqs"/);
    assert.match(code, /from"sharp"/);
    assert.ok(bundle.code.length < 2000, `the SDK is not bundled (${bundle.code.length} bytes)`);
    assert.deepEqual(bundle.external, ["@aws-sdk/*", "sharp"]);
  });

  it("reports a syntax error with its file, line and column", async (t) => {
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    await writeProjectFile(dir, "apps/worker/src/handlers/order.ts", "export async function handleOrder() {\n  const x: = 1;\n}\n");

    await assert.rejects(bundleWorker({ cwd: dir }), (error) => {
      assert.ok(error instanceof BundleError);
      assert.match(error.message, /apps\/worker\/src\/handlers\/order\.ts:2:\d+: /);
      assert.match(error.message, /const x: = 1;/);
      assert.equal(error.problems[0]?.line, 2);
      return true;
    });
  });

  it("reports an import that cannot be resolved, with the importing line", async (t) => {
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    await writeProjectFile(dir, "apps/worker/src/index.ts", 'import { nope } from "./missing.js";\nexport const handler = nope;\n');

    await assert.rejects(bundleWorker({ cwd: dir }), /apps\/worker\/src\/index\.ts:1:\d+: Could not resolve "\.\/missing\.js"/);
  });

  it("says to run init when the project has no apps/worker", async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(
      bundleWorker({ cwd: dir }),
      (error) => error instanceof ProjectError && /No apps\/worker in/.test(error.message) && /letsgo-worker init/.test(error.message),
    );
  });
});

describe("Function: buildImage (before it needs Docker)", () => {
  it("refuses a bundle that holds a secret from apps/worker/.env, without contacting an engine", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    await writeProjectFile(dir, "apps/worker/src/handlers/order.ts", 'export const handleOrder = async () => console.log("whsec_letsgoEnvCanary0123456789");\n');

    // Act + Assess: no `docker` passed and DOCKER_HOST unset or not needed: the guard comes first.
    await assert.rejects(
      buildImage({ cwd: dir, platform: "linux/amd64" }),
      (error) => error instanceof ProjectError && /contains the value of STRIPE_WEBHOOK_SECRET/.test(error.message),
    );
  });
});
