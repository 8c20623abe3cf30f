/**
 * The dashboard's Deployed view: the deployed queue and DLQ, recent
 * invocations, and a dead-lettered message's last error found in the
 * function's logs by its id. Against moto, with the queues and log group made
 * by deploy's own steps, and the logs the runtime itself writes: a real
 * createWorkerHandler runs a failing and a succeeding record, and its JSON
 * lines are put in the log group as Lambda would (moto runs no function).
 * Then the same through the page, in a real browser, from a real `dev`.
 *
 * What moto cannot show and real AWS does: the message move task behind
 * "Redrive the DLQ" (moto 5.2.1 lacks StartMessageMoveTask; dlqAws.test.ts
 * checks its request), and the age of the oldest message (a CloudWatch metric).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { applyResources, connect } from "../src/aws/deploy.ts";
import { deployedView, outcomesFromLogs } from "../src/aws/deployedView.ts";
import { deadLetterQueue, logGroup, workQueue } from "../src/aws/resources/index.ts";
import { createLogger, createWorkerHandler } from "../src/runtime/index.ts";
import { lambdaContext, sqsRecord } from "./support/awsEvents.ts";
import { buildSqsEvent } from "../src/events/sqs.ts";
import { copyExample, launchBrowser } from "./support/browser.ts";
import { startDevCli, type DevCli } from "./support/devServer.ts";
import { startMoto, TEST_REGION, useMotoEnv, type Moto } from "./support/moto.ts";
import { REPO_ROOT } from "./support/cli.ts";

// Runs in the page (page.waitForFunction), where it exists.
declare const document: any;

const WAIT_MS = 60_000;

/** The JSON lines the runtime writes for one failing and one handled record (its own handler, its own logger). */
async function runtimeLines(deadId: string): Promise<string[]> {
  const lines: string[] = [];
  const handler = createWorkerHandler({
    handlers: {
      OrderNew: async (message) => {
        const { totalCents } = message.payload as { totalCents: number };
        if (totalCents < 0) throw new Error(`Order o_7 has an invalid total: ${totalCents}`);
      },
    },
    logger: createLogger({ level: "info", write: (line) => lines.push(line) }),
  });
  const records = [
    sqsRecord({ type: "OrderNew", payload: { orderId: "o_7", totalCents: -1 } }, { messageId: deadId }),
    sqsRecord({ type: "OrderNew", payload: { orderId: "o_8", totalCents: 100 } }),
  ];
  await handler(buildSqsEvent(records), lambdaContext());
  return lines;
}

describe("the deployed worker, read for the dashboard", { timeout: 300_000 }, () => {
  let moto: Moto;
  let restoreEnv: () => void;
  let projectDir: string;
  let deadId: string;

  before(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    projectDir = await copyExample("letsgo-deployed-");
    const { aws, target } = await connect({ cwd: projectDir });
    try {
      await applyResources(aws, target, [deadLetterQueue, workQueue]);
    } finally {
      aws.destroy();
    }
    const sqs = new SQSClient({ region: TEST_REGION });
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: "letsgo-shop-worker-dlq" }))).QueueUrl!;
    deadId = (await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ type: "OrderNew", payload: { orderId: "o_7", totalCents: -1 } }) }))).MessageId!;
    // What Lambda would have put in the function's log group when the message failed.
    const logs = new CloudWatchLogsClient({ region: TEST_REGION });
    const group = logGroup.name(target);
    // Lambda makes the log group on the function's first run.
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "2026/12/07/[$LATEST]stand-in" }));
    const now = Date.now();
    const lines = await runtimeLines(deadId);
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "2026/12/07/[$LATEST]stand-in", logEvents: lines.map((message, i) => ({ timestamp: now - 60_000 + i, message })) }));
  });

  after(async () => {
    restoreEnv?.();
    await moto?.stop();
    if (projectDir) await rm(projectDir, { recursive: true, force: true });
  });

  it("reads the runtime's outcome lines: invocations newest first, and each message's last failure", async () => {
    const lines = await runtimeLines("m-dead");
    const { invocations, failures } = outcomesFromLogs(lines.map((message, i) => ({ timestamp: 1_000 + i, message })).concat([{ timestamp: 5, message: "REPORT RequestId: x Duration: 3 ms" }, { timestamp: 6, message: "{not json" }]));
    assert.deepEqual(invocations.map((i) => [i.kind, i.ok, i.type]), [["message", true, "OrderNew"], ["message", false, "OrderNew"]]);
    assert.equal(typeof invocations[0]!.durationMs, "number");
    assert.match(failures.get("m-dead")!.error, /Order o_7 has an invalid total: -1/);
    assert.match(failures.get("m-dead")!.stack!, /at /);
  });

  it("shows the queues, the recent invocations, and the dead message's error found in the logs by its id", async () => {
    const view = await deployedView({ cwd: projectDir });
    assert.equal(view.deployment, "shop");
    assert.deepEqual(view.queue, { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(view.dlq!.visible, 1);
    const dead = view.dlq!.messages.find((m) => m.messageId === deadId)!;
    assert.equal(dead.message?.type, "OrderNew");
    assert.match(dead.lastError!, /Order o_7 has an invalid total: -1/);
    assert.match(dead.stack!, /Error: Order o_7/);
    assert.equal(view.logsFound, true);
    assert.deepEqual(view.invocations.map((i) => i.ok).sort(), [false, true]);
    assert.ok(view.onlyInAws.some((line) => /ApproximateAgeOfOldestMessage/.test(line)), "says what only AWS shows");
  });

  describe("in the page", () => {
    let dev: DevCli;
    let browser: Browser;

    before(async () => {
      // dev inherits this process's environment: moto's endpoint and credentials, as a shell's would be.
      dev = await startDevCli(projectDir, ["--no-schedule"]);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await dev?.stop();
    });

    it("opens the Deployed view beside the local ones", async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.setDefaultTimeout(WAIT_MS);
      await page.goto(`${dev.url}/#deployed`);
      await page.waitForSelector(`#deployed-dlq tr[data-id="${deadId}"]`);
      const row = (await page.textContent(`#deployed-dlq tr[data-id="${deadId}"]`))!;
      assert.match(row, /OrderNew/);
      assert.match(row, /Order o_7 has an invalid total: -1/);
      assert.match((await page.textContent("#deployed-facts"))!, /shop in us-east-1/);
      await page.waitForFunction(() => document.querySelectorAll("#deployed-invocations tr").length === 2);
      assert.match((await page.textContent("#deployed-invocations"))!, /handled[\s\S]*failed|failed[\s\S]*handled/);
      assert.equal(await page.isDisabled("#deployed-redrive"), false);
      const shots = path.resolve(REPO_ROOT, process.env.LETSGO_SCREENSHOTS ?? ".test-output/screenshots");
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, "deployed.png"), fullPage: true });
      await page.close();
    });
  });
});
