/**
 * `letsgo-worker enqueue --aws` as a real process against moto: the deployed
 * queue (created by deploy's own SQS steps, so names and redrive policy are
 * deploy's) receives `{type, payload}`, with a delay; the same validation as the
 * dev worker path runs before anything is sent. Each test uses its own
 * deployment name, so its queues are its own.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { SQSClient, GetQueueUrlCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { applyResources, connect } from "../src/aws/deploy.ts";
import { deadLetterQueue, workQueue } from "../src/aws/resources/index.ts";
import { runCli, tempDir } from "./support/cli.ts";
import { startMoto, useMotoEnv, TEST_REGION, type Moto } from "./support/moto.ts";

let moto: Moto;
let restoreEnv: () => void;
let project: { dir: string; cleanup: () => Promise<void> };

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli([...args, "--cwd", project.dir], { env: { ...moto.env, ...env } });

/** Create the deployment's queue and DLQ exactly as `deploy` does (no function or mapping, which moto would consume messages through). */
async function deployQueues(deployment: string, region?: string): Promise<void> {
  const { aws, target } = await connect({ cwd: project.dir, deployment, region });
  try {
    await applyResources(aws, target, [deadLetterQueue, workQueue]);
  } finally {
    aws.destroy();
  }
}

function sqs(region = TEST_REGION): SQSClient {
  return new SQSClient({ region });
}

async function queueUrl(name: string, region = TEST_REGION): Promise<string> {
  return (await sqs(region).send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}

async function queueCounts(url: string, region = TEST_REGION) {
  const attributes = (
    await sqs(region).send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"] }))
  ).Attributes!;
  return { visible: Number(attributes.ApproximateNumberOfMessages), delayed: Number(attributes.ApproximateNumberOfMessagesDelayed) };
}

before(async () => {
  moto = await startMoto();
  restoreEnv = useMotoEnv(moto);
  project = await tempDir("letsgo-enqueue-aws-");
  await mkdir(path.join(project.dir, "apps", "worker"), { recursive: true });
  await mkdir(path.join(project.dir, "packages", "types"), { recursive: true });
  await writeFile(path.join(project.dir, "apps", "worker", ".env"), "LETSGO_WORKER_MAX_MESSAGE_SIZE=1024\n");
  await writeFile(
    path.join(project.dir, "packages", "types", "index.ts"),
    `export enum MessageType {\n  OrderNew = "OrderNew",\n  Invoice = "Invoice",\n}\n` +
      `export interface InvoiceMessage { type: MessageType.Invoice; payload: { invoiceId: string; amountCents: number } }\n`,
  );
});

after(async () => {
  restoreEnv?.();
  await moto?.stop();
  await project?.cleanup();
});

describe("enqueue --aws", () => {
  it("sends {type, payload} to the deployed queue and prints the message id", async () => {
    await deployQueues("main");
    const run = await cli(["enqueue", "--aws", "--type", "OrderNew", "--payload", '{"orderId":"o-1"}']);
    assert.equal(run.code, 0, run.stderr);
    const messageId = run.stdout.trim();
    const url = await queueUrl("letsgo-main-worker");
    assert.match(run.stderr, new RegExp(`Sent to ${url.replace(/[.]/g, "\\.")}`));

    const received = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    assert.equal(received.Messages?.length, 1);
    assert.equal(received.Messages![0]!.MessageId, messageId);
    assert.deepEqual(JSON.parse(received.Messages![0]!.Body!), { type: "OrderNew", payload: { orderId: "o-1" } });
  });

  it("--json prints the message id and the queue URL", async () => {
    await deployQueues("json");
    const run = await cli(["enqueue", "--aws", "--deployment", "json", "--type", "OrderNew", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { messageId: string; target: string };
    assert.equal(out.target, await queueUrl("letsgo-json-worker"));
    const received = await sqs().send(new ReceiveMessageCommand({ QueueUrl: out.target, WaitTimeSeconds: 1 }));
    assert.equal(received.Messages?.[0]?.MessageId, out.messageId);
    assert.deepEqual(JSON.parse(received.Messages![0]!.Body!), { type: "OrderNew", payload: {} });
  });

  it("--delay holds the message back in SQS", async () => {
    await deployQueues("delayed");
    // The longest delay SQS allows, so the check cannot race the message becoming visible.
    const run = await cli(["enqueue", "--aws", "--deployment", "delayed", "--type", "OrderNew", "--delay", "900"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /visible in 900 s/);
    assert.deepEqual(await queueCounts(await queueUrl("letsgo-delayed-worker")), { visible: 0, delayed: 1 });
  });

  it("takes the deployment from LETSGO_DEPLOYMENT in the environment", async () => {
    await deployQueues("fromenv");
    const run = await cli(["enqueue", "--aws", "--type", "OrderNew"], { LETSGO_DEPLOYMENT: "fromenv" });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await queueCounts(await queueUrl("letsgo-fromenv-worker")), { visible: 1, delayed: 0 });
  });

  it("without --aws follows the app's rule: LETSGO_WORKER_QUEUE_URL set sends to that queue, with no AWS lookup by name", async () => {
    await deployQueues("byurl");
    const url = `https://sqs.${TEST_REGION}.amazonaws.com/123456789012/letsgo-byurl-worker`;
    const run = await cli(["enqueue", "--type", "OrderNew", "--payload", '{"orderId":"o-url"}', "--json"], { LETSGO_WORKER_QUEUE_URL: url });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { messageId: string; target: string; kind: string };
    assert.deepEqual({ target: out.target, kind: out.kind }, { target: url, kind: "sqs" });
    const received = await sqs().send(new ReceiveMessageCommand({ QueueUrl: await queueUrl("letsgo-byurl-worker"), WaitTimeSeconds: 1 }));
    assert.equal(received.Messages?.[0]?.MessageId, out.messageId);
    assert.deepEqual(JSON.parse(received.Messages![0]!.Body!), { type: "OrderNew", payload: { orderId: "o-url" } });

    const notAQueue = await cli(["enqueue", "--type", "OrderNew"], { LETSGO_WORKER_QUEUE_URL: "http://localhost:3002" });
    assert.equal(notAQueue.code, 1);
    assert.match(notAQueue.stderr, /LETSGO_WORKER_QUEUE_URL "http:\/\/localhost:3002" is not an SQS queue URL.*set LETSGO_LOCAL_QUEUE_URL instead/);
  });

  it("a queue that is not deployed exits 1 naming the queue and saying to deploy", async () => {
    const run = await cli(["enqueue", "--aws", "--deployment", "nowhere", "--type", "OrderNew"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The queue letsgo-nowhere-worker does not exist in us-east-1 \(account \d+\)\. Run `letsgo-worker deploy` first/);
    assert.equal(run.stdout, "");
  });

  it("--region wins over AWS_REGION; --profile takes the region and credentials from the AWS config files", async () => {
    const wrongRegion = await cli(["enqueue", "--aws", "--region", "eu-west-1", "--type", "OrderNew"]);
    assert.equal(wrongRegion.code, 1);
    assert.match(wrongRegion.stderr, /letsgo-main-worker does not exist in eu-west-1/);

    await deployQueues("main", "eu-west-2");
    const config = path.join(project.dir, "aws-config");
    const credentials = path.join(project.dir, "aws-credentials");
    await writeFile(config, "[profile letsgo-test]\nregion = eu-west-2\n");
    await writeFile(credentials, "[letsgo-test]\naws_access_key_id = profilekey\naws_secret_access_key = profilesecret\n");
    const run = await cli(["enqueue", "--aws", "--profile", "letsgo-test", "--type", "OrderNew", "--json"], {
      AWS_REGION: undefined,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { target: string };
    assert.equal(out.target, await queueUrl("letsgo-main-worker", "eu-west-2"));
    assert.deepEqual(await queueCounts(out.target, "eu-west-2"), { visible: 1, delayed: 0 });
  });

  it("refuses a type the project does not declare, as the app's enqueue() does; nothing reaches SQS", async () => {
    await deployQueues("unknown");
    const run = await cli(["enqueue", "--aws", "--deployment", "unknown", "--type", "OrderNwe"]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /"OrderNwe" is not a message type of this project .*`npx letsgo-worker add-message OrderNwe`.* Nothing was sent\./);
    assert.deepEqual(await queueCounts(await queueUrl("letsgo-unknown-worker")), { visible: 0, delayed: 0 });
  });

  it("checks the payload against @letsgo/types before sending to SQS, with dev's text; nothing is sent", async () => {
    await deployQueues("typed");
    const url = await queueUrl("letsgo-typed-worker");
    const text = 'payload.amountCents: expected number, got "ten" (InvoiceMessage in @letsgo/types)';
    const byName = await cli(["enqueue", "--aws", "--deployment", "typed", "--type", "Invoice", "--payload", '{"invoiceId":"i_1","amountCents":"ten"}']);
    assert.equal(byName.code, 1);
    assert.ok(byName.stderr.includes(`${text} Nothing was sent.`), byName.stderr);
    const byUrl = await cli(["enqueue", "--type", "Invoice", "--payload", '{"amountCents":10}'], { LETSGO_WORKER_QUEUE_URL: url });
    assert.equal(byUrl.code, 1);
    assert.match(byUrl.stderr, /payload\.invoiceId: expected string, got nothing \(InvoiceMessage in @letsgo\/types\) Nothing was sent/);
    assert.deepEqual(await queueCounts(url), { visible: 0, delayed: 0 });
    const good = await cli(["enqueue", "--aws", "--deployment", "typed", "--type", "Invoice", "--payload", '{"invoiceId":"i_1","amountCents":10}']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(await queueCounts(url), { visible: 1, delayed: 0 });
  });

  it("refuses invalid input before sending anything: no type, bad JSON, bad delay, too big for LETSGO_WORKER_MAX_MESSAGE_SIZE", async () => {
    await deployQueues("invalid");
    const base = ["enqueue", "--aws", "--deployment", "invalid"];
    const noType = await cli([...base, "--payload", "{}"]);
    assert.equal(noType.code, 1);
    assert.match(noType.stderr, /--type is required/);
    const badJson = await cli([...base, "--type", "OrderNew", "--payload", "{oops"]);
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /not valid JSON/);
    const badDelay = await cli([...base, "--type", "OrderNew", "--delay", "901"]);
    assert.equal(badDelay.code, 1);
    assert.match(badDelay.stderr, /--delay must be a whole number of seconds from 0 to 900/);
    const tooBig = await cli([...base, "--type", "OrderNew", "--payload", JSON.stringify({ blob: "x".repeat(1024) })]);
    assert.equal(tooBig.code, 1);
    assert.match(tooBig.stderr, /message is 1065 bytes as JSON; the worker takes at most 1024 bytes per message \(LETSGO_WORKER_MAX_MESSAGE_SIZE\)\..* Nothing was sent/);
    assert.deepEqual(await queueCounts(await queueUrl("letsgo-invalid-worker")), { visible: 0, delayed: 0 });

    // {"type":"OrderNew","payload":{"blob":""}} is 41 bytes: 983 more make exactly the maximum, which SQS takes.
    const atLimit = await cli([...base, "--type", "OrderNew", "--payload", JSON.stringify({ blob: "x".repeat(983) })]);
    assert.equal(atLimit.code, 0, atLimit.stderr);
    assert.deepEqual(await queueCounts(await queueUrl("letsgo-invalid-worker")), { visible: 1, delayed: 0 });
  });

  it("the dev worker path checks the size the same way, before connecting", async () => {
    // Port 9 (discard) has no dev worker: reaching the size error proves nothing was attempted.
    const run = await cli(["enqueue", "--url", "http://127.0.0.1:9", "--type", "OrderNew", "--payload", JSON.stringify({ blob: "x".repeat(1024) })]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /message is 1065 bytes as JSON; the worker takes at most 1024 bytes per message/);
  });

  it("refuses flags meant for the other target (exit 2)", async () => {
    const urlWithAws = await cli(["enqueue", "--aws", "--url", "http://127.0.0.1:9", "--type", "OrderNew"]);
    assert.equal(urlWithAws.code, 2);
    assert.match(urlWithAws.stderr, /--url names a dev worker; drop it when using --aws/);
    const regionWithoutAws = await cli(["enqueue", "--region", "eu-west-1", "--deployment", "x", "--type", "OrderNew"]);
    assert.equal(regionWithoutAws.code, 2);
    assert.match(regionWithoutAws.stderr, /--region, --deployment only apply to the deployed queue: add --aws/);
  });
});
