/**
 * dev's Lambda Runtime API against AWS's own runtime client (the npm package
 * `aws-lambda-ric`, what AWS's Node base images run): the client is started as
 * Lambda's entrypoint starts it, AWS_LAMBDA_RUNTIME_API pointing at the
 * server, on a handler folder, and must see events, context and deadline as
 * Lambda gives them, and report results, failures and a failed load through
 * the API as it does in Lambda. No part of the client is ours.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { RuntimeApiServer, type RuntimeInvocation } from "../src/dev/runtimeApi/runtimeApiServer.ts";
import { lambdaRuntimeVariables } from "../src/project/handlerEnvironment.ts";
import { defaultSettings } from "../src/project/settings.ts";

const RIC = createRequire(import.meta.url).resolve("aws-lambda-ric");

const HANDLER = `
export const handler = async (event, context) => {
  if (event.kind === "context") {
    return { awsRequestId: context.awsRequestId, arn: context.invokedFunctionArn, remainingMs: context.getRemainingTimeInMillis(), trace: process.env._X_AMZN_TRACE_ID };
  }
  if (event.kind === "throw") throw new TypeError("boom in the handler");
  // An SQS batch: a record whose body is "fail" is reported back for retry.
  return { batchItemFailures: event.Records.filter((r) => r.body === "fail").map((r) => ({ itemIdentifier: r.messageId })) };
};
`;

const BROKEN = `throw new Error("cannot load: a setting is missing");\nexport const handler = async () => ({});\n`;

interface Environment {
  api: RuntimeApiServer;
  runtime: ChildProcess;
  output: () => string;
  dir: string;
}

/** AWS's runtime client on `source` (index.mjs), as the base image's entrypoint starts it. */
async function startEnvironment(source: string): Promise<Environment> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-ric-"));
  await writeFile(path.join(dir, "index.mjs"), source);
  await writeFile(path.join(dir, "package.json"), '{"type":"module"}');
  const api = await RuntimeApiServer.start();
  const runtime = spawn(process.execPath, [RIC, "index.handler"], {
    cwd: dir,
    // Lambda's variables as dev gives its handlers: AWS's client refuses to start without them.
    env: { ...lambdaRuntimeVariables(defaultSettings(), "us-west-2", dir), AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/07/[$LATEST]test", AWS_LAMBDA_RUNTIME_API: api.address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  runtime.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  runtime.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return { api, runtime, output: () => output, dir };
}

async function stopEnvironment(env: Environment | undefined): Promise<void> {
  if (!env) return;
  if (env.runtime.exitCode === null && env.runtime.signalCode === null) {
    env.runtime.kill("SIGKILL");
    await once(env.runtime, "exit");
  }
  await env.api.close();
  await rm(env.dir, { recursive: true, force: true });
}

let sequence = 0;
function invocation(event: unknown, deadlineInMs = 30_000): RuntimeInvocation {
  sequence++;
  return {
    requestId: `req-${sequence}-${process.pid}`,
    event: JSON.stringify(event),
    deadlineMs: Date.now() + deadlineInMs,
    functionArn: "arn:aws:lambda:us-west-2:123456789012:function:worker",
    traceId: `Root=1-00000000-${String(sequence).padStart(24, "0")};Sampled=0`,
  };
}

describe("Runtime API: AWS's runtime client (aws-lambda-ric) against dev's server", { timeout: 60_000 }, () => {
  let env: Environment | undefined;
  before(async () => {
    env = await startEnvironment(HANDLER);
  });
  after(() => stopEnvironment(env));

  it("hands an SQS batch to the handler and returns its partial batch failures", async () => {
    const records = ["ok", "fail", "ok"].map((body, i) => ({ messageId: `m${i}`, body, eventSource: "aws:sqs" }));
    const outcome = await env!.api.invoke(invocation({ Records: records }));
    assert.equal(outcome.kind, "response", env!.output());
    assert.deepEqual(JSON.parse((outcome as { body: string }).body), { batchItemFailures: [{ itemIdentifier: "m1" }] });
  });

  it("gives the handler the request id, function ARN, trace id and the time left before the deadline, as Lambda does", async () => {
    const sent = invocation({ kind: "context" }, 20_000);
    const outcome = await env!.api.invoke(sent);
    assert.equal(outcome.kind, "response", env!.output());
    const seen = JSON.parse((outcome as { body: string }).body) as { awsRequestId: string; arn: string; remainingMs: number; trace: string };
    assert.equal(seen.awsRequestId, sent.requestId);
    assert.equal(seen.arn, sent.functionArn);
    assert.equal(seen.trace, sent.traceId);
    assert.ok(seen.remainingMs > 0 && seen.remainingMs <= 20_000, `remaining ${seen.remainingMs} ms`);
  });

  it("reports a handler's error with Lambda's error shape, and the environment takes the next invocation", async () => {
    const failed = await env!.api.invoke(invocation({ kind: "throw" }));
    assert.equal(failed.kind, "error", env!.output());
    const { error } = failed as { error: { errorType: string; errorMessage: string; trace?: string[] } };
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.errorMessage, "boom in the handler");
    assert.match(error.trace?.[1] ?? "", /index\.mjs:\d+:\d+/, JSON.stringify(error));
    const next = await env!.api.invoke(invocation({ Records: [] }));
    assert.deepEqual(JSON.parse((next as { body: string }).body), { batchItemFailures: [] });
  });

  it("refuses a result for a request id that is not running, as Lambda's API does", async () => {
    const res = await fetch(`http://${env!.api.address}/2018-06-01/runtime/invocation/not-running/response`, { method: "POST", body: "{}" });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { errorType: string }).errorType, "InvalidRequestID");
  });

  it("runs one invocation at a time", async () => {
    const first = env!.api.invoke(invocation({ Records: [] }));
    await assert.rejects(env!.api.invoke(invocation({ Records: [] })), /already running/);
    assert.equal((await first).kind, "response");
  });
});

describe("Runtime API: a handler that fails to load", { timeout: 60_000 }, () => {
  it("is reported through init/error, and the invocation waiting for it ends with that error", async () => {
    const env = await startEnvironment(BROKEN);
    try {
      const initError = once(env.api, "init-error");
      const outcome = await env.api.invoke(invocation({ Records: [] }));
      assert.equal(outcome.kind, "init-error", env.output());
      const [reported] = (await initError) as [{ errorType: string; errorMessage: string }];
      assert.match(reported.errorMessage, /cannot load: a setting is missing/);
      assert.deepEqual((outcome as { error: unknown }).error, reported);
      // Lambda's runtime exits after a failed init; later invocations of this environment get the same error.
      assert.equal((await env.api.invoke(invocation({ Records: [] }))).kind, "init-error");
    } finally {
      await stopEnvironment(env);
    }
  });
});
