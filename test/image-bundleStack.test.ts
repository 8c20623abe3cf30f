/**
 * In the image, the bundle runs with NODE_OPTIONS=--enable-source-maps: the
 * runtime's "message failed" log line then carries a stack naming the
 * handler's .ts file and line, not index.mjs.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { bundleWorker, type WorkerBundle } from "../src/image/bundle.js";
import { renderDockerfile } from "../src/image/dockerfile.js";
import { goodAndBadOrders, invokeHandlerProgram, scaffoldWorker } from "./support/docker.js";

const run = promisify(execFile);

/** Invoke the bundle's handler in a fresh Node with the image's NODE_OPTIONS; its log lines, parsed. */
async function invokeWithSourceMaps(dir: string, bundle: WorkerBundle, event: unknown): Promise<Array<Record<string, unknown>>> {
  const taskRoot = path.join(dir, "task");
  await mkdir(taskRoot, { recursive: true });
  await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
  await writeFile(path.join(taskRoot, bundle.sourceMapName), bundle.sourceMap);
  const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", invokeHandlerProgram(path.join(taskRoot, bundle.fileName), event)], {
    cwd: taskRoot,
    env: { PATH: process.env.PATH, NODE_OPTIONS: "--enable-source-maps" },
  });
  return `${stdout}\n${stderr}`
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("Function: bundleWorker (stacks in the image's logs)", () => {
  it("the image runs the bundle with source maps enabled", () => {
    assert.match(renderDockerfile({ baseImage: "public.ecr.aws/lambda/nodejs:22" }), /^ENV NODE_OPTIONS=--enable-source-maps$/m);
  });

  it("logs a failed message with a stack naming the handler's .ts file and line", async (t) => {
    // Prepare: the scaffold's OrderNew handler, failing as real code does for orderId "bad".
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bundle-stack-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const project = path.join(dir, "project");
    const { handlerFile } = await scaffoldWorker(project, {
      handlerBody: 'const order: { customer?: { name: string } } = {};\n  if (message.payload.orderId === "bad") order.customer!.name.trim(); // throws',
    });
    const source = await readFile(handlerFile, "utf8");
    const line = source.split("\n").findIndex((text) => text.includes("// throws")) + 1;
    const handlerPath = path.relative(project, handlerFile).split(path.sep).join("/");

    // Act
    const bundle = await bundleWorker({ cwd: project });
    const logs = await invokeWithSourceMaps(dir, bundle, goodAndBadOrders());

    // Assess
    const failed = logs.find((entry) => entry.msg === "message failed" && entry.messageId === "bad");
    assert.ok(failed, JSON.stringify(logs));
    assert.equal(failed.errorName, "TypeError");
    assert.equal(failed.error, "Cannot read properties of undefined (reading 'name')");
    assert.match(String(failed.stack), new RegExp(`\\n {4}at .*${handlerPath.replace(/[.]/g, "\\.")}:${line}:\\d+\\)?\\n`), String(failed.stack));
    assert.doesNotMatch(String(failed.stack).split("\n")[1] ?? "", /index\.mjs/);
  });
});
