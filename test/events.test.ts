import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  buildLambdaContext,
  buildScheduledEvent,
  buildSqsEvent,
  buildSqsRecord,
  formatScheduledTime,
  md5Hex,
  schedulerTargetInput,
  SCHEDULER_CONTEXT,
  type EventOrigin,
} from "../src/events/index.js";
import { isScheduledEvent, isSqsEvent } from "../src/runtime/index.js";
import { LOCAL_ACCOUNT_ID } from "../src/project/names.js";

const origin: EventOrigin = { deployment: "shop", region: "eu-west-1", account: "111122223333" };

/** What EventBridge Scheduler does with a target Input: put the context attribute values in the text. */
function substituteContext(template: string, values: Record<keyof typeof SCHEDULER_CONTEXT, string>): string {
  let text = template;
  for (const [name, placeholder] of Object.entries(SCHEDULER_CONTEXT)) {
    text = text.split(placeholder).join(values[name as keyof typeof SCHEDULER_CONTEXT]);
  }
  return text;
}

describe("Function: buildSqsRecord", () => {
  it("builds a record exactly as Lambda receives it from SQS", () => {
    // Prepare
    const body = JSON.stringify({ type: "OrderNew", payload: { orderId: "o-1", note: "café ✓" } });
    // Act
    const record = buildSqsRecord({
      origin,
      body,
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
      receiveCount: 2,
      sentAt: 1767261600000,
      firstReceivedAt: 1767261601000,
      senderId: "AIDAIENQZJOLO23YVJ4VO",
    });
    // Assess
    assert.deepEqual(record, {
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
      body,
      attributes: {
        ApproximateReceiveCount: "2",
        SentTimestamp: "1767261600000",
        SenderId: "AIDAIENQZJOLO23YVJ4VO",
        ApproximateFirstReceiveTimestamp: "1767261601000",
      },
      messageAttributes: {},
      md5OfBody: createHash("md5").update(Buffer.from(body, "utf8")).digest("hex"),
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:letsgo-shop-worker",
      awsRegion: "eu-west-1",
    });
  });

  it("fills defaults the way SQS does: new ids, receive count 1, timestamps as epoch ms strings", () => {
    // Prepare
    const now = 1767261600123;
    // Act
    const [first, second] = [1, 2].map(() => buildSqsRecord({ origin: { deployment: "main", region: "us-west-2" }, body: "{}", now }));
    // Assess
    assert.notEqual(first!.messageId, second!.messageId);
    assert.notEqual(first!.receiptHandle, second!.receiptHandle);
    assert.match(first!.messageId, /^[0-9a-f-]{36}$/);
    assert.equal(first!.attributes.ApproximateReceiveCount, "1");
    assert.equal(first!.attributes.SentTimestamp, String(now));
    assert.equal(first!.attributes.ApproximateFirstReceiveTimestamp, String(now));
    assert.equal(first!.eventSourceARN, `arn:aws:sqs:us-west-2:${LOCAL_ACCOUNT_ID}:letsgo-main-worker`);
  });

  it("computes MD5 over the body's UTF-8 bytes (the known MD5 of the empty string)", () => {
    assert.equal(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  });

  it("wraps records in an event the worker recognises as SQS", () => {
    const event = buildSqsEvent([buildSqsRecord({ origin, body: "{}" })]);
    assert.equal(event.Records.length, 1);
    assert.equal(isSqsEvent(event), true);
    assert.equal(isScheduledEvent(event), false);
  });
});

describe("Function: buildScheduledEvent", () => {
  it("builds the EventBridge Scheduler event for the deployment's schedule", () => {
    const event = buildScheduledEvent({
      origin,
      scheduledTime: Date.UTC(2026, 0, 1, 10, 0, 0, 250),
      executionId: "2e9b6a3c-7d1f-4c1e-9f0a-3b4c5d6e7f80",
    });
    assert.deepEqual(event, {
      version: "0",
      id: "2e9b6a3c-7d1f-4c1e-9f0a-3b4c5d6e7f80",
      "detail-type": "Scheduled Event",
      source: "aws.scheduler",
      account: "111122223333",
      time: "2026-01-01T10:00:00Z",
      region: "eu-west-1",
      resources: ["arn:aws:scheduler:eu-west-1:111122223333:schedule/letsgo-shop/letsgo-shop-worker"],
      detail: "{}",
    });
    assert.equal(isScheduledEvent(event), true);
    assert.equal(isSqsEvent(event), false);
  });

  it("formats scheduled times as ISO 8601 UTC to the second", () => {
    assert.equal(formatScheduledTime(new Date("2026-03-29T01:30:59.999Z")), "2026-03-29T01:30:59Z");
  });
});

describe("Function: schedulerTargetInput", () => {
  it("is JSON that uses the scheduler's context attributes", () => {
    const input = schedulerTargetInput(origin);
    assert.doesNotThrow(() => JSON.parse(input));
    assert.ok(input.includes(SCHEDULER_CONTEXT.scheduleArn));
    assert.ok(input.includes(SCHEDULER_CONTEXT.scheduledTime));
    assert.ok(input.includes(SCHEDULER_CONTEXT.executionId));
  });

  it("yields in AWS the same event the local worker builds", () => {
    // Prepare
    const scheduledTime = Date.UTC(2026, 5, 1, 8, 15, 0);
    const executionId = "5a1d7c2e-0f4b-4b8e-a6c1-9d2e3f4a5b6c";
    const local = buildScheduledEvent({ origin, scheduledTime, executionId });
    // Act
    const delivered = JSON.parse(
      substituteContext(schedulerTargetInput(origin), {
        scheduleArn: local.resources[0]!,
        scheduledTime: "2026-06-01T08:15:00Z",
        executionId,
        attemptNumber: "1",
      }),
    );
    // Assess
    assert.deepEqual(delivered, local);
  });
});

describe("Function: buildLambdaContext", () => {
  it("names the deployment's function and counts down to the deadline", () => {
    // Prepare
    let now = Date.UTC(2026, 0, 1, 10, 0, 0);
    const context = buildLambdaContext({ origin, memoryMb: 256, deadline: now + 60_000, now: () => now, awsRequestId: "req-1" });
    // Act + Assess
    assert.equal(context.awsRequestId, "req-1");
    assert.equal(context.functionName, "letsgo-shop-worker");
    assert.equal(context.functionVersion, "$LATEST");
    assert.equal(context.invokedFunctionArn, "arn:aws:lambda:eu-west-1:111122223333:function:letsgo-shop-worker");
    assert.equal(context.memoryLimitInMB, "256");
    assert.equal(context.logGroupName, "/aws/lambda/letsgo-shop-worker");
    assert.match(context.logStreamName, /^2026\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(context.getRemainingTimeInMillis(), 60_000);
    now += 45_500;
    assert.equal(context.getRemainingTimeInMillis(), 14_500);
    now += 20_000;
    assert.equal(context.getRemainingTimeInMillis(), 0);
  });

  it("gives each invocation its own request id by default", () => {
    const make = () => buildLambdaContext({ origin, memoryMb: 128, deadline: Date.now() + 1000 });
    assert.notEqual(make().awsRequestId, make().awsRequestId);
  });
});
