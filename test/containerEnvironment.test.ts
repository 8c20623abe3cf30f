/**
 * A Lambda execution environment as a container of the image `build` makes
 * (src/dev/runtimeApi/containerEnvironment.ts), on a stand-in of AWS's Node
 * base image that keeps its start-up contract and runs AWS's own runtime
 * client (test/support/docker.ts lambdaBaseImage): a real engine, a real
 * image, the real client; nothing here is ours but the Runtime API and the
 * container's settings under test. What Lambda does is the expectation: a
 * partial batch failure comes back as such, only /tmp is writable, the
 * function timeout ends the environment, the memory limit kills it, a
 * handler that throws at import reports an init error.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildImage } from "../src/image/build.ts";
import { workerPaths } from "../src/project/paths.ts";
import { lambdaRuntimeVariables } from "../src/project/handlerEnvironment.ts";
import { defaultSettings } from "../src/project/settings.ts";
import { ContainerEnvironment } from "../src/dev/runtimeApi/containerEnvironment.ts";
import { ContainerProcess } from "../src/dev/pool/containerProcess.ts";
import { HandlerInvoker } from "../src/dev/pool/invoker.ts";
import { judgeBatch } from "../src/dev/delivery/batchResult.ts";
import { lambdaBaseImage, scaffoldWorker, startTestEngine, type TestEngine } from "./support/docker.ts";

const engineOrSkip = await startTestEngine();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : false;
const needsEngine = { skip };

/** A worker whose records say what to do: succeed, fail, write somewhere, hang, or take memory. */
const HANDLER = `
import { readFileSync, writeFileSync } from "node:fs";
if (process.env.FAIL_AT_LOAD) throw new Error("cannot load: " + process.env.FAIL_AT_LOAD);
export async function handler(event: any) {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records ?? []) {
    const { type } = JSON.parse(record.body);
    try {
      if (type === "fail") throw new Error("refused on purpose");
      if (type === "write-task-root") writeFileSync("/var/task/out.txt", "x");
      if (type === "write-tmp") {
        writeFileSync("/tmp/out.txt", "kept");
        if (readFileSync("/tmp/out.txt", "utf8") !== "kept") throw new Error("/tmp lost the file");
      }
      if (type === "hang") await new Promise(() => setInterval(() => {}, 1000));
      if (type === "memory") {
        const hog: Buffer[] = [];
        for (;;) hog.push(Buffer.alloc(8 * 1024 * 1024, 1));
      }
      console.log("handled", record.messageId);
    } catch (error) {
      console.log("failed", record.messageId, String(error));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
`;

/** Lambda's PATH in its Node images: node is at /var/lang/bin. */
const LAMBDA_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";

function sqsEvent(types: string[]) {
  return JSON.stringify({
    Records: types.map((type, i) => ({ messageId: `m${i}`, receiptHandle: `r${i}`, body: JSON.stringify({ type, payload: {} }), attributes: { ApproximateReceiveCount: "1" }, messageAttributes: {}, eventSource: "aws:sqs" })),
  });
}

/** Until a line matching `pattern` has come through the container's output stream (it trails the runtime's answer), at most 10 s. */
async function outputLine(output: string[], pattern: RegExp): Promise<boolean> {
  const until = Date.now() + 10_000;
  while (!output.some((line) => pattern.test(line))) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

let sequence = 0;
const invocation = (types: string[]) => ({
  requestId: `req-${++sequence}`,
  event: sqsEvent(types),
  functionArn: "arn:aws:lambda:us-west-2:123456789012:function:worker",
  traceId: `Root=1-00000000-${String(sequence).padStart(24, "0")};Sampled=0`,
});

describe("dev --image's execution environment: the built image as a container, AWS's runtime client inside", { timeout: 300_000 }, () => {
  const engine = engineOrSkip as TestEngine;
  let dir: string;
  let image: string;
  const started: ContainerEnvironment[] = [];
  const output: string[] = [];

  const environment = async (extraEnv: Record<string, string> = {}, memoryMb = 128) => {
    const env = await ContainerEnvironment.start({
      docker: engine.docker,
      image,
      env: { ...lambdaRuntimeVariables(defaultSettings(), "us-west-2"), PATH: LAMBDA_PATH, AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/07/[$LATEST]test", ...extraEnv },
      memoryMb,
      ephemeralStorageMb: 512,
      onOutput: (_stream, line) => output.push(line),
    }).catch((error: Error) => {
      throw new Error(`${error.message}\ncontainer output:\n${output.join("\n")}`);
    });
    started.push(env);
    return env;
  };

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-env-"));
    await scaffoldWorker(dir, { deployment: `env-${process.pid}` });
    await writeFile(path.join(workerPaths(dir).worker, "src", "index.ts"), HANDLER);
    await rm(path.join(workerPaths(dir).worker, "src", "server.ts"), { force: true });
    const built = await buildImage({ cwd: dir, baseImage: await lambdaBaseImage(engine.docker), docker: engine.docker, typecheck: false });
    image = built.reference;
  });

  after(async () => {
    if (skip) return;
    for (const env of started) await env.stop();
    await engine.docker.getImage(image).remove({ force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await engine.close();
  });

  it("runs a batch with a partial failure, and the next batch in the same warm environment", needsEngine, async () => {
    const env = await environment();
    const first = await env.invoke(invocation(["ok", "fail", "ok"]), 10_000);
    assert.equal(first.kind, "response", output.join("\n"));
    assert.deepEqual(JSON.parse((first as { body: string }).body), { batchItemFailures: [{ itemIdentifier: "m1" }] });
    const second = await env.invoke(invocation(["ok"]), 10_000);
    assert.deepEqual(JSON.parse((second as { body: string }).body), { batchItemFailures: [] });
    assert.ok(await outputLine(output, /failed m1 Error: refused on purpose/), output.join("\n"));
  });

  it("lets the handler write to /tmp only: the image's files are read-only, as in Lambda", needsEngine, async () => {
    const env = await environment();
    const outcome = await env.invoke(invocation(["write-tmp", "write-task-root"]), 10_000);
    assert.deepEqual(JSON.parse((outcome as { body: string }).body), { batchItemFailures: [{ itemIdentifier: "m1" }] });
    assert.ok(await outputLine(output, /failed m1 .*EROFS: read-only file system/), output.join("\n"));
  });

  it("ends the environment at the function timeout", needsEngine, async () => {
    const env = await environment();
    const outcome = await env.invoke(invocation(["hang"]), 1_500);
    assert.deepEqual(outcome, { kind: "timeout", timeoutMs: 1_500 });
    assert.equal(env.usable, false);
  });

  it("kills a handler over the function's memory, as Lambda does", needsEngine, async () => {
    const env = await environment({}, 128);
    const outcome = await env.invoke(invocation(["memory"]), 30_000);
    assert.equal(outcome.kind, "exited", JSON.stringify(outcome));
    assert.equal((outcome as { exit: { oomKilled: boolean } }).exit.oomKilled, true, JSON.stringify(outcome));
    assert.match((outcome as { reason: string }).reason, /^Runtime\.OutOfMemory/);
  });

  it("serves the pool as a process would: HandlerInvoker runs batches in containers, failures judged as Lambda's mapping judges them", needsEngine, async () => {
    const lines: Array<{ line: string; requestId?: string }> = [];
    const invoker = new HandlerInvoker({
      entry: image,
      cwd: dir,
      env: { ...lambdaRuntimeVariables(defaultSettings(), "us-west-2"), PATH: LAMBDA_PATH, AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/07/[$LATEST]pool" },
      memoryMb: 128,
      functionTimeoutMs: 2_000,
      onOutput: (line, _stream, requestId) => lines.push({ line, requestId }),
      createProcess: (options) => new ContainerProcess({ ...options, docker: engine.docker, ephemeralStorageMb: 512 }),
    });
    try {
      await invoker.start();
      const records = ["ok", "fail", "write-task-root"].map((type, i) => ({ id: `p${i}`, body: JSON.stringify({ type, payload: {} }), receiveCount: 1, sentAt: Date.now(), firstReceivedAt: Date.now() }));
      const context = { origin: { deployment: "main", region: "us-west-2" }, memoryMb: 128, deadline: 0, awsRequestId: "pool-req-1" };
      const outcome = await invoker.invoke({ t: "invoke", event: { kind: "sqs", records }, context });
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.deepEqual([...judgeBatch(records.map((r) => r.id), outcome).keys()], ["p1", "p2"]);
      // Each line the runtime writes names its invocation, as in CloudWatch: dev files it under that attempt.
      assert.ok(await outputLine(lines.map((l) => `${l.requestId} ${l.line}`), /^pool-req-1 .*failed p2 .*EROFS/), JSON.stringify(lines));
      // A hung batch: the whole batch fails with Lambda's words, and the next runs in a fresh container.
      const hung = await invoker.invoke({ t: "invoke", event: { kind: "sqs", records: [{ ...records[0]!, id: "h0", body: JSON.stringify({ type: "hang" }) }] }, context: { ...context, awsRequestId: "pool-req-2" } });
      assert.equal(hung.ok, false);
      assert.match((hung as { error: string }).error, /^Task timed out after 2\.00 seconds/);
      const after = await invoker.invoke({ t: "invoke", event: { kind: "sqs", records: [records[0]!] }, context: { ...context, awsRequestId: "pool-req-3" } });
      assert.deepEqual(after, { ...after, ok: true, response: { batchItemFailures: [] } });
    } finally {
      await invoker.close();
    }
  });

  it("reports a handler that throws at import as an init error, for every invocation of that environment", needsEngine, async () => {
    const env = await environment({ FAIL_AT_LOAD: "a setting is missing" });
    assert.match(env.initError?.errorMessage ?? "", /cannot load: a setting is missing/);
    const outcome = await env.invoke(invocation(["ok"]), 10_000);
    assert.equal(outcome.kind, "init-error");
  });
});
