/**
 * A stand-in for the deployed function, for moto (which stores a function
 * without running it): it plays Lambda's part for one deployment. As the event
 * source mapping's poller it receives batches from the work queue, deletes
 * what the function handled and leaves its batchItemFailures; as the
 * execution environment it runs the worker's bundle (the image's, made by
 * bundleWorker) with AWS's own runtime client `aws-lambda-ric` against dev's
 * Runtime API server, the function's configuration as read from moto as its
 * environment (LETSGO_SECRETS_PATH included: the secrets come from moto's
 * SSM); and it writes the function's output to its CloudWatch Logs group with
 * Lambda's START/END/REPORT lines. moto's own mapping would take every message
 * the moment it is sent: it is disabled in moto while the stand-in runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { RuntimeApiServer } from "../../src/dev/runtimeApi/runtimeApiServer.ts";
import { lambdaNodeFlags } from "../../src/dev/pool/handlerProcess.ts";
import { bundleWorker } from "../../src/image/bundle.ts";
import { REPO_ROOT } from "./cli.ts";
import { TEST_REGION } from "./moto.ts";

const RIC = createRequire(import.meta.url).resolve("aws-lambda-ric");

export interface StandInFunction {
  /** Batches the stand-in has run. */
  readonly invocations: number;
  stop(): Promise<void>;
}

export async function startStandInFunction(options: { projectDir: string; functionName: string; queueUrl: string }): Promise<StandInFunction> {
  const config = { region: TEST_REGION };
  const lambda = new LambdaClient(config);
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  const logs = new CloudWatchLogsClient(config);
  const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: options.functionName }));
  for (const mapping of (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: options.functionName }))).EventSourceMappings ?? []) {
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: false }));
  }

  // The image's code, as ${LAMBDA_TASK_ROOT}; the SDK as the base image provides it (/var/runtime/node_modules).
  const taskRoot = await mkdtemp(path.join(os.tmpdir(), "letsgo-standin-"));
  const bundle = await bundleWorker({ cwd: options.projectDir });
  await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
  await mkdir(path.join(taskRoot, "node_modules"));
  await symlink(path.join(REPO_ROOT, "node_modules", "@aws-sdk"), path.join(taskRoot, "node_modules", "@aws-sdk"), "dir");

  const logGroup = `/aws/lambda/${options.functionName}`;
  const logStream = `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomBytes(16).toString("hex")}`;
  await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup })).catch(() => {}); // deploy may have made it
  await logs.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream }));
  let pending: string[] = [];
  const flushLogs = async () => {
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: logGroup, logStreamName: logStream, logEvents: lines.map((message) => ({ timestamp: now, message })) }));
  };

  const api = await RuntimeApiServer.start();
  const memoryMb = fn.MemorySize ?? 128;
  const runtime: ChildProcess = spawn(process.execPath, [...lambdaNodeFlags(memoryMb), RIC, "index.handler"], {
    cwd: taskRoot,
    env: {
      ...(fn.Environment?.Variables ?? {}),
      TZ: ":UTC",
      AWS_REGION: TEST_REGION,
      AWS_DEFAULT_REGION: TEST_REGION,
      AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: "/var/runtime",
      _HANDLER: "index.handler",
      PATH: process.env.PATH,
      // The function's role, here moto's: its SSM holds the secrets deploy stored.
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
      AWS_LAMBDA_RUNTIME_API: api.address,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: string) => pending.push(...chunk.split("\n").filter((line) => line !== ""));
  runtime.stdout!.setEncoding("utf8").on("data", collect);
  runtime.stderr!.setEncoding("utf8").on("data", collect);

  let stopped = false;
  let invocations = 0;
  const poller = (async () => {
    while (!stopped) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }),
      );
      const messages = received.Messages ?? [];
      // The runtime's lines may come after its answer: each round sends what has come.
      await flushLogs();
      if (messages.length === 0) continue;
      const requestId = crypto.randomUUID();
      const event = {
        Records: messages.map((m) => ({
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body,
          attributes: m.Attributes ?? {},
          messageAttributes: {},
          md5OfBody: m.MD5OfBody,
          eventSource: "aws:sqs",
          eventSourceARN: fn.FunctionArn ? `arn:aws:sqs:${TEST_REGION}:${fn.FunctionArn.split(":")[4]}:${options.queueUrl.split("/").pop()}` : "",
          awsRegion: TEST_REGION,
        })),
      };
      pending.push(`START RequestId: ${requestId} Version: $LATEST`);
      const started = Date.now();
      const outcome = await api.invoke({
        requestId,
        event: JSON.stringify(event),
        deadlineMs: Date.now() + (fn.Timeout ?? 60) * 1000,
        functionArn: fn.FunctionArn ?? "",
        traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")};Sampled=0`,
      });
      invocations++;
      pending.push(`END RequestId: ${requestId}`, `REPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\tMemory Size: ${memoryMb} MB`);
      // Only a response names failures; an error leaves the whole batch to come back, as Lambda does.
      if (outcome.kind === "response") {
        const failed = new Set(((JSON.parse(outcome.body || "null") as { batchItemFailures?: Array<{ itemIdentifier: string }> } | null)?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        for (const m of messages) if (!failed.has(m.MessageId!)) await sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
      await flushLogs();
    }
  })();

  return {
    get invocations() {
      return invocations;
    },
    async stop() {
      stopped = true;
      await poller.catch(() => {});
      await flushLogs().catch(() => {});
      runtime.kill("SIGKILL");
      await api.close();
      await rm(taskRoot, { recursive: true, force: true });
      for (const client of [lambda, sqs, logs]) client.destroy();
    },
  };
}
