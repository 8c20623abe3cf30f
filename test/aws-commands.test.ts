/**
 * status, enqueue/dlq --aws, logs and destroy against a real AWS API emulator
 * (moto), on a deployment made by the deploy core (see aws-deploy.test.ts).
 *
 * What moto cannot show, and so is not claimed here:
 * - Lambda running the image: moto consumes messages on a mapped queue without
 *   running anything, so the enqueue test disables the mapping first to see the
 *   message in the queue.
 * - StartMessageMoveTask (DLQ redrive): moto 5.2.1 does not implement it; the test
 *   checks the call we send and that the failure is reported clearly.
 * - Real log delivery: the logs tests write the events the function would have written.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from "@aws-sdk/client-lambda";
import { SQSClient, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { callLog } from "../src/aws/calls.ts";
import { getSenderPolicy, getStatus } from "../src/aws/status.ts";
import { destroyDeployment } from "../src/aws/destroy.ts";
import { findDeployedQueue, listDeployedDlq, purgeDeployedDlq, redriveDeployedDlq } from "../src/aws/deployedQueue.ts";
import { createQueueClient } from "../src/queue/enqueue.ts";
import { readLogs, type LogEvent } from "../src/aws/logs.ts";
import { ServiceError } from "../src/errors.ts";
import { TEST_REGION } from "./support/moto.ts";
import { ACCOUNT, BASE_ENV, IMAGE, NAME, client, deploy, moto, project, useDeployFixture, writeEnv } from "./support/deployFixture.ts";

useDeployFixture();

describe("status, queue and destroy against moto", () => {
  it("shows missing resources as missing, then the deployed ones with depths and the schedule", async () => {
    const empty = await getStatus({ cwd: project.dir });
    assert.ok(empty.resources.every((r) => !r.present));
    assert.equal(empty.image, undefined);

    await deploy();
    const status = await getStatus({ cwd: project.dir, now: new Date("2026-03-02T06:00:00Z") });
    assert.ok(status.resources.every((r) => r.present), JSON.stringify(status.resources.filter((r) => !r.present)));
    const url = (await client((c) => new SQSClient(c)).send(new GetQueueUrlCommand({ QueueName: NAME }))).QueueUrl!;
    assert.deepEqual(status.queue, { url, arn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}`, depth: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(status.deadLetterQueue, { depth: 0 });
    assert.equal(status.image, IMAGE);
    // Monday 2 March 2026, 09:00 in Berlin is 08:00 UTC.
    assert.equal(status.schedule?.nextFire, "2026-03-02T08:00:00.000Z");
  });

  it("status gives the queue URL the app sends to and its ARN; the sender policy names that ARN, before and after deploy", async () => {
    await writeEnv([...BASE_ENV, "LETSGO_DEPLOYMENT=sendto"]);
    const arn = `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:letsgo-sendto-worker`;
    const expected = { Version: "2012-10-17", Statement: [{ Sid: "SendToLetsgoWorkerQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: arn }] };

    const log = callLog();
    const before = await getSenderPolicy({ cwd: project.dir, recorder: log.record });
    assert.deepEqual(before.policy, expected);
    assert.equal(before.exists, false);
    assert.deepEqual(log.mutating(), [], "reads only");
    assert.equal((await getStatus({ cwd: project.dir })).queue, undefined);

    await deploy();
    const status = await getStatus({ cwd: project.dir });
    const url = (await client((c) => new SQSClient(c)).send(new GetQueueUrlCommand({ QueueName: "letsgo-sendto-worker" }))).QueueUrl!;
    assert.equal(status.queue?.url, url);
    assert.equal(status.queue?.arn, arn);
    // The URL works as LETSGO_WORKER_QUEUE_URL: the SDK sends to it as given.
    await client((c) => new SQSClient(c)).send(new SendMessageCommand({ QueueUrl: status.queue!.url, MessageBody: "{}" }));

    const after = await getSenderPolicy({ cwd: project.dir });
    assert.deepEqual(after, { policy: expected, queue: { name: "letsgo-sendto-worker", arn, region: TEST_REGION, account: ACCOUNT }, exists: true });
  });

  it("the sender policy still comes when SQS cannot be asked whether the queue exists", async () => {
    await writeEnv([...BASE_ENV, "LETSGO_DEPLOYMENT=sendto-cut"]);
    moto.failWhen((request) => request.operation !== "GetCallerIdentity");
    try {
      const result = await getSenderPolicy({ cwd: project.dir });
      assert.equal(result.exists, undefined);
      assert.ok(result.checkFailed);
      assert.equal(result.policy.Statement[0]!.Resource, `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:letsgo-sendto-cut-worker`);
    } finally {
      moto.failWhen(undefined);
    }
  });

  it("enqueue --aws sends {type, payload} to the deployed queue, with a delay", async () => {
    await deploy();
    // moto "runs" a mapped queue's messages at once; pause the mapping to see the message arrive.
    const lambda = client((c) => new LambdaClient(c));
    const mapping = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: NAME }))).EventSourceMappings![0]!;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: false }));

    const found = await findDeployedQueue({ cwd: project.dir });
    assert.equal(found.region, TEST_REGION);
    const queue = createQueueClient({ queueUrl: found.queueUrl, sqs: { region: found.region } });
    const [messageId] = await queue.enqueue({ type: "OrderNew", payload: { orderId: "o-1" } });
    const sqs = client((c) => new SQSClient(c));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: found.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    assert.equal(received.Messages?.length, 1);
    assert.equal(received.Messages![0]!.MessageId, messageId);
    assert.deepEqual(JSON.parse(received.Messages![0]!.Body!), { type: "OrderNew", payload: { orderId: "o-1" } });

    await queue.enqueue({ type: "Later", payload: null }, { delaySeconds: 600 });
    queue.close();
    const status = await getStatus({ cwd: project.dir });
    assert.equal(status.queue?.delayed, 1);
  });

  it("dlq list shows dead letters, redrive asks SQS for a message move task, purge empties the DLQ", async () => {
    await deploy();
    const sqs = client((c) => new SQSClient(c));
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: `${NAME}-dlq` }))).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ type: "OrderNew", payload: { orderId: "dead" } }) }));

    const listing = await listDeployedDlq({ cwd: project.dir });
    assert.equal(listing.approximateCount, 1);
    assert.equal(listing.messages.length, 1);
    assert.deepEqual(listing.messages[0]!.message, { type: "OrderNew", payload: { orderId: "dead" } });
    assert.equal((await listDeployedDlq({ cwd: project.dir })).messages.length, 1, "listing leaves messages in place");

    const log = callLog();
    // moto 5.2.1 has no StartMessageMoveTask: we can only check what is asked and how failure reads.
    await assert.rejects(redriveDeployedDlq({ cwd: project.dir, recorder: log.record }), (error: Error) => error instanceof ServiceError && /message move task/.test(error.message));
    const move = log.calls.find((c) => c.command === "StartMessageMoveTask")!.input as { SourceArn: string; DestinationArn: string };
    assert.deepEqual(move, { SourceArn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}-dlq`, DestinationArn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}`, MaxNumberOfMessagesPerSecond: undefined });

    const purged = await purgeDeployedDlq({ cwd: project.dir });
    assert.equal(purged.approximateCount, 1);
    assert.equal((await listDeployedDlq({ cwd: project.dir })).messages.length, 0);
  });

  it("logs shows the function's log events, pretty-printed, and follows new ones", async () => {
    await deploy();
    // moto runs no function: the test writes what the function would have written.
    const logs = client((c) => new CloudWatchLogsClient(c));
    const group = `/aws/lambda/${NAME}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s1" }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: "s1",
        logEvents: [{ timestamp: now - 1000, message: '{"level":"info","msg":"handled","type":"OrderNew"}' }],
      }),
    );
    const seen: LogEvent[] = [];
    await readLogs({ cwd: project.dir, since: "5m", onEvent: (e) => seen.push(e) });
    assert.equal(seen.length, 1);

    const stop = new AbortController();
    const followed: LogEvent[] = [];
    let resolveSecond: () => void;
    const second = new Promise<void>((resolve) => (resolveSecond = resolve));
    const following = readLogs({
      cwd: project.dir,
      since: "5m",
      follow: true,
      pollMs: 100,
      signal: stop.signal,
      onEvent: (e) => {
        followed.push(e);
        if (followed.length === 2) resolveSecond();
      },
    });
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s1", logEvents: [{ timestamp: now, message: "later" }] }));
    await second;
    stop.abort();
    const result = await following;
    assert.equal(result.events, 2);
    assert.deepEqual(followed.map((e) => e.message), ['{"level":"info","msg":"handled","type":"OrderNew"}', "later"]);
  });

  it("logs --follow shows a late event with an older timestamp once, and no event twice across overlapping polls", async () => {
    const logs = client((c) => new CloudWatchLogsClient(c));
    const group = `/aws/lambda/${NAME}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s1" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s2" }));
    const now = Date.now();
    const put = (stream: string, timestamp: number, message: string) =>
      logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [{ timestamp, message }] }));
    await put("s1", now - 1000, "first");

    const followed: string[] = [];
    let polls = 0;
    const waiters: Array<{ done: () => boolean; resolve: () => void }> = [];
    const check = () => {
      for (const waiter of waiters.splice(0)) (waiter.done() ? waiter.resolve() : waiters.push(waiter));
    };
    const until = (done: () => boolean) => new Promise<void>((resolve) => (done() ? resolve() : waiters.push({ done, resolve })));
    const stop = new AbortController();
    const following = readLogs({
      cwd: project.dir,
      since: "5m",
      follow: true,
      pollMs: 50,
      signal: stop.signal,
      recorder: (call) => {
        if (call.command === "FilterLogEvents") polls++;
        check();
      },
      onEvent: (e) => {
        followed.push(e.message);
        check();
      },
    });
    await until(() => followed.length === 1);
    await put("s1", now, "newest");
    await until(() => followed.length === 2);
    // Written after "newest" but stamped 3 s before it: a poll starting at the newest timestamp would miss it.
    await put("s2", now - 3000, "late");
    await until(() => followed.length === 3);
    const seenPolls = polls;
    await until(() => polls >= seenPolls + 3);
    stop.abort();
    const result = await following;
    assert.deepEqual(followed, ["first", "newest", "late"]);
    assert.equal(result.events, 3);
  });

  it("names the deployment from --deployment, then an exported LETSGO_DEPLOYMENT, then apps/worker/.env", async () => {
    await writeEnv([...BASE_ENV, "LETSGO_DEPLOYMENT=fromfile"]);
    assert.equal((await getStatus({ cwd: project.dir })).deployment, "fromfile");
    const saved = process.env.LETSGO_DEPLOYMENT;
    process.env.LETSGO_DEPLOYMENT = "fromenv";
    try {
      assert.equal((await getStatus({ cwd: project.dir })).deployment, "fromenv");
      assert.equal((await getStatus({ cwd: project.dir, deployment: "fromflag" })).deployment, "fromflag");
    } finally {
      if (saved === undefined) delete process.env.LETSGO_DEPLOYMENT;
      else process.env.LETSGO_DEPLOYMENT = saved;
    }
  });

  it("status reports AWS failing midway as a ServiceError saying what it was doing, not as a bug", async () => {
    try {
      await assert.rejects(
        getStatus({ cwd: project.dir, recorder: (call) => void (call.service !== "sts" && moto.down()) }),
        (error: Error) => error instanceof ServiceError && /^Reading the deployment's status in us-east-1 failed: .*ECONNREFUSED/.test(error.message),
      );
    } finally {
      await moto.up();
    }
  });

  it("destroy removes everything, a second destroy succeeds, and --keep-data keeps the queues and repository", async () => {
    await deploy();
    const kept = await destroyDeployment({ cwd: project.dir, keepData: true });
    assert.deepEqual(kept.items.filter((i) => i.outcome === "kept").map((i) => i.resource), ["SQS queue", "SQS dead-letter queue", "ECR repository", "Log group"]);
    let status = await getStatus({ cwd: project.dir });
    assert.deepEqual(status.resources.filter((r) => r.present).map((r) => r.resource).sort(), ["ECR repository", "SQS dead-letter queue", "SQS queue"]);

    const full = await destroyDeployment({ cwd: project.dir });
    assert.deepEqual(full.items.filter((i) => i.outcome === "deleted").map((i) => i.resource), ["SQS queue", "SQS dead-letter queue", "ECR repository"]);
    status = await getStatus({ cwd: project.dir });
    assert.ok(status.resources.every((r) => !r.present));

    const again = await destroyDeployment({ cwd: project.dir });
    assert.ok(again.items.every((i) => i.outcome === "absent"));
  });
});
