import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createLogger,
  createWorkerHandler,
  isReservedMessageType,
  ReservedMessageType,
  ScheduledRunError,
  UnsupportedEventError,
  type Message,
  type MessageHandler,
  type ScheduledEvent,
  type WorkerEvent,
} from "../src/runtime/index.js";
import { firstLine } from "../src/runtime/errors.js";
import { parseLogLevel } from "../src/runtime/log.js";
import { buildSqsEvent, buildSqsRecord } from "../src/events/index.js";
import { capturedLogger, lambdaContext, scheduledEvent, sqsEvent, sqsRecord, TEST_ORIGIN } from "./support/awsEvents.js";

interface OrderMessage extends Message {
  type: "OrderNew";
  payload: { orderId: string; fail?: boolean };
}

function order(orderId: string, fail = false): OrderMessage {
  return { type: "OrderNew", payload: { orderId, fail } };
}

/** A handler that records what it saw and throws for orders marked `fail`. */
function orderHandler(): { handle: MessageHandler<OrderMessage>; seen: string[] } {
  const seen: string[] = [];
  const handle: MessageHandler<OrderMessage> = async (message) => {
    seen.push(message.payload.orderId);
    if (message.payload.fail) throw new Error(`order ${message.payload.orderId} failed\nsecond line`);
  };
  return { handle, seen };
}

function failedIds(response: Awaited<ReturnType<ReturnType<typeof createWorkerHandler>>>): string[] {
  assert.ok(response, "an SQS batch must get a batch response");
  return response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();
}

describe("Function: createWorkerHandler (SQS batches)", () => {
  it("reports exactly the failed records of a mixed batch", async () => {
    // Prepare
    const { handle, seen } = orderHandler();
    const { logger } = capturedLogger();
    const handler = createWorkerHandler({ handlers: { OrderNew: handle }, logger });
    const event = sqsEvent(order("a"), order("b", true), order("c"), order("d", true));
    // Act
    const response = await handler(event, lambdaContext());
    // Assess
    assert.deepEqual(failedIds(response), [event.Records[1]!.messageId, event.Records[3]!.messageId].sort());
    assert.deepEqual(seen.sort(), ["a", "b", "c", "d"]);
  });

  it("returns an empty failure list when every record succeeds", async () => {
    const { handle } = orderHandler();
    const handler = createWorkerHandler({ handlers: { OrderNew: handle }, logger: capturedLogger().logger });
    const response = await handler(sqsEvent(order("a"), order("b")), lambdaContext());
    assert.deepEqual(response, { batchItemFailures: [] });
  });

  it("passes the message, the whole event and the context to the handler", async () => {
    // Prepare
    const calls: Array<Parameters<MessageHandler<OrderMessage>>> = [];
    const handler = createWorkerHandler({
      handlers: { OrderNew: async (...args) => void calls.push(args as Parameters<MessageHandler<OrderMessage>>) },
      logger: capturedLogger().logger,
    });
    const event = sqsEvent(order("a"));
    const context = lambdaContext();
    // Act
    await handler(event, context);
    // Assess
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]![0], order("a"));
    assert.equal(calls[0]![1], event);
    assert.equal(calls[0]![2], context);
  });

  it("runs the records of a batch concurrently", async () => {
    // Prepare: each handler yields once; run one after another, at most one is ever active.
    let active = 0;
    let mostActive = 0;
    const handler = createWorkerHandler({
      handlers: {
        OrderNew: async () => {
          active++;
          mostActive = Math.max(mostActive, active);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
        },
      },
      logger: capturedLogger().logger,
    });
    // Act
    await handler(sqsEvent(order("a"), order("b"), order("c")), lambdaContext());
    // Assess
    assert.equal(mostActive, 3);
  });

  const invalidBodies = [
    { name: "a body that is not JSON", body: "{not json", reason: "invalid-json", error: /not JSON/ },
    { name: "a JSON body that is not an object", body: "[1,2]", reason: "missing-type", error: /"type"/ },
    { name: "a message without a type", body: JSON.stringify({ payload: {} }), reason: "missing-type", error: /"type"/ },
    { name: "a message whose type is not a string", body: JSON.stringify({ type: 7 }), reason: "missing-type", error: /"type"/ },
    { name: "a message type with no handler", body: JSON.stringify(order("x")).replace("OrderNew", "OrderGone"), reason: "unknown-type", error: /No handler for "OrderGone": register one in the handlers map of apps\/worker\/src\/handlers\/index.ts/ },
    { name: "a type that only exists on Object.prototype", body: JSON.stringify({ type: "toString", payload: {} }), reason: "unknown-type", error: /No handler/ },
  ];
  for (const { name, body, reason, error } of invalidBodies) {
    it(`fails (never drops) ${name} and logs why`, async () => {
      // Prepare
      const { handle, seen } = orderHandler();
      const { logger, lines } = capturedLogger();
      const handler = createWorkerHandler({ handlers: { OrderNew: handle }, logger });
      const event = sqsEvent(body, order("ok"));
      const badId = event.Records[0]!.messageId;
      // Act
      const response = await handler(event, lambdaContext());
      // Assess
      assert.deepEqual(failedIds(response), [badId]);
      assert.deepEqual(seen, ["ok"]);
      const failure = lines.find((line) => line.messageId === badId);
      assert.equal(failure?.level, "error");
      assert.equal(failure?.msg, "message failed");
      assert.equal(failure?.reason, reason);
      assert.match(String(failure?.error), error);
    });
  }

  it("logs one line per record with level, type, messageId and the error's first line", async () => {
    // Prepare
    const { handle } = orderHandler();
    const { logger, lines } = capturedLogger("info");
    const handler = createWorkerHandler({ handlers: { OrderNew: handle }, logger });
    const event = buildSqsEvent([
      buildSqsRecord({ origin: TEST_ORIGIN, body: JSON.stringify(order("a")) }),
      buildSqsRecord({ origin: TEST_ORIGIN, body: JSON.stringify(order("b", true)), receiveCount: 3 }),
    ]);
    // Act
    await handler(event, lambdaContext());
    // Assess
    assert.equal(lines.length, 2);
    const [ok, failed] = [event.Records[0]!.messageId, event.Records[1]!.messageId].map((id) =>
      lines.find((line) => line.messageId === id),
    );
    assert.deepEqual(
      { level: ok?.level, msg: ok?.msg, messageType: ok?.messageType, receiveCount: ok?.receiveCount },
      { level: "info", msg: "message handled", messageType: "OrderNew", receiveCount: 1 },
    );
    assert.deepEqual(
      { level: failed?.level, messageType: failed?.messageType, reason: failed?.reason, error: failed?.error, receiveCount: failed?.receiveCount },
      { level: "error", messageType: "OrderNew", reason: "handler-error", error: "order b failed", receiveCount: 3 },
    );
  });

  it("handles an empty batch", async () => {
    const handler = createWorkerHandler({ handlers: {}, logger: capturedLogger().logger });
    assert.deepEqual(await handler({ Records: [] }, lambdaContext()), { batchItemFailures: [] });
  });
});

describe("Function: createWorkerHandler (scheduled runs and other events)", () => {
  it("calls the scheduled handler with the event and context and returns nothing", async () => {
    // Prepare
    const calls: Array<[ScheduledEvent, unknown]> = [];
    const { logger, lines } = capturedLogger();
    const handler = createWorkerHandler({ handlers: {}, scheduled: async (event, context) => void calls.push([event, context]), logger });
    const event = scheduledEvent();
    const context = lambdaContext();
    // Act
    const response = await handler(event, context);
    // Assess
    assert.equal(response, undefined);
    assert.deepEqual(calls, [[event, context]]);
    assert.equal(lines.at(-1)?.msg, "scheduled run done");
  });

  it("throws when the scheduled handler fails, so the invocation fails and Lambda retries it", async () => {
    // Prepare
    const cause = new Error("database unreachable");
    const { logger, lines } = capturedLogger();
    const handler = createWorkerHandler({ handlers: {}, scheduled: async () => Promise.reject(cause), logger });
    // Act + Assess
    await assert.rejects(handler(scheduledEvent(), lambdaContext()), (error: unknown) => {
      assert.ok(error instanceof ScheduledRunError);
      assert.equal(error.cause, cause);
      assert.match(error.message, /database unreachable/);
      return true;
    });
    assert.equal(lines.at(-1)?.level, "error");
    assert.equal(lines.at(-1)?.error, "database unreachable");
  });

  it("throws when a scheduled event arrives and no scheduled handler is set", async () => {
    const handler = createWorkerHandler({ handlers: {}, logger: capturedLogger().logger });
    await assert.rejects(handler(scheduledEvent(), lambdaContext()), ScheduledRunError);
  });

  const unknownEvents: Array<[string, unknown]> = [
    ["an EventBridge rule event", { source: "aws.events", "detail-type": "Scheduled Event", detail: {} }],
    ["an S3 notification", { Records: [{ eventSource: "aws:s3", s3: {} }] }],
    ["an empty object", {}],
    ["null", null],
  ];
  for (const [name, event] of unknownEvents) {
    it(`throws a clear error for ${name}`, async () => {
      const handler = createWorkerHandler({ handlers: {}, scheduled: async () => {}, logger: capturedLogger().logger });
      await assert.rejects(handler(event as WorkerEvent, lambdaContext()), (error: unknown) => {
        assert.ok(error instanceof UnsupportedEventError);
        assert.match(error.message, /does not handle/);
        return true;
      });
    });
  }
});

describe("Function: createWorkerHandler (a failed scheduled run redriven from the DLQ)", () => {
  /** What Lambda's on-failure destination puts in the DLQ after the last attempt of an async invoke. */
  function lambdaFailureRecord(event: ScheduledEvent) {
    return {
      version: "1.0",
      timestamp: "2026-01-01T10:03:00.000Z",
      requestContext: { requestId: "r-1", functionArn: "arn:aws:lambda:eu-central-1:123456789012:function:letsgo-test-worker:$LATEST", condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "ScheduledRunError", errorMessage: "boom" },
    };
  }

  for (const [what, body] of [
    ["Lambda's failure record", (event: ScheduledEvent) => lambdaFailureRecord(event)],
    ["the scheduled event itself (Scheduler's own dead letter)", (event: ScheduledEvent) => event],
  ] as const) {
    it(`re-runs the scheduled handler for ${what}, and fails the record if the run fails again`, async () => {
      const ran: ScheduledEvent[] = [];
      let fail = false;
      const handler = createWorkerHandler({
        handlers: {},
        scheduled: async (event) => {
          ran.push(event);
          if (fail) throw new Error("still broken");
        },
        logger: capturedLogger().logger,
      });
      const scheduled = scheduledEvent();
      const ok = await handler(sqsEvent(body(scheduled)), lambdaContext());
      assert.deepEqual(ok, { batchItemFailures: [] });
      assert.deepEqual(ran, [scheduled]);

      fail = true;
      const event = sqsEvent(body(scheduled));
      const failed = await handler(event, lambdaContext());
      assert.deepEqual(failed, { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] });
    });
  }
});

describe("Function: isReservedMessageType", () => {
  it("knows LetsGo's reserved types", () => {
    assert.deepEqual(Object.values(ReservedMessageType).sort(), [
      "letsgo:contact",
      "letsgo:stripe",
      "letsgo:tenant:deleted",
      "letsgo:tenant:new",
    ]);
    for (const type of Object.values(ReservedMessageType)) assert.equal(isReservedMessageType(type), true);
  });

  it("treats every letsgo: type as reserved and user types as free", () => {
    assert.equal(isReservedMessageType("letsgo:anything"), true);
    assert.equal(isReservedMessageType("OrderNew"), false);
    assert.equal(isReservedMessageType("LetsGo:Order"), false);
  });
});

describe("Function: createLogger", () => {
  it("writes one JSON line per call at or above its level", () => {
    const written: string[] = [];
    const logger = createLogger({ level: "warn", write: (line) => written.push(line) });
    logger.info("skipped");
    logger.warn("kept", { messageId: "m1", level: "not-overridden" });
    assert.deepEqual(written.map((line) => JSON.parse(line)), [{ level: "warn", msg: "kept", messageId: "m1" }]);
  });

  it("reads its level like LETSGO_LOG_LEVEL: case-insensitive, info when unknown or unset", () => {
    assert.equal(parseLogLevel("DEBUG"), "debug");
    assert.equal(parseLogLevel("error"), "error");
    assert.equal(parseLogLevel("verbose"), "info");
    assert.equal(parseLogLevel(undefined), "info");
  });
});

describe("Function: firstLine", () => {
  const cases: Array<{ name: string; error: unknown; plain: string; named: string }> = [
    { name: "an Error", error: new Error("boom\nsecond line"), plain: "boom", named: "Error: boom" },
    { name: "a named Error subclass", error: new ScheduledRunError("run failed"), plain: "run failed", named: "ScheduledRunError: run failed" },
    { name: "an Error without a message", error: new TypeError(""), plain: "", named: "TypeError: " },
    { name: "a thrown string", error: "plain\ntext", plain: "plain", named: "plain" },
    { name: "a thrown object", error: { code: 7 }, plain: "[object Object]", named: "[object Object]" },
  ];
  for (const { name, error, plain, named } of cases) {
    it(`gives the first line of ${name}, with its name on request`, () => {
      assert.equal(firstLine(error), plain);
      assert.equal(firstLine(error, { withName: true }), named);
    });
  }
});
