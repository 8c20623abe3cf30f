/**
 * The runtime's JSON log lines for a failure carry the error's `stack` beside
 * the fields they always had, so CloudWatch shows where the handler failed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createLogger, createWorkerHandler, type Message } from "../src/runtime/index.js";
import { lambdaContext, scheduledEvent, sqsEvent } from "./support/awsEvents.js";

interface PriceMessage extends Message {
  type: "Price";
  payload: { order?: { cents: number } };
}

/** A helper the handler calls, failing as real code does: a property of undefined. */
function priceOf(payload: PriceMessage["payload"]): number {
  return payload.order!.cents; // throws here
}

/** Where priceOf throws in this file, 1-based. */
const THROW_LINE = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").findIndex((line) => line.includes("// throws here")) + 1;

/** A real logger whose raw JSON lines are kept. */
function recordingLogger() {
  const raw: string[] = [];
  const logger = createLogger({ level: "debug", write: (line) => raw.push(line) });
  const find = (msg: string) => raw.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === msg);
  return { logger, raw, find };
}

describe("Function: createWorkerHandler (stacks in the log)", () => {
  it("logs a failed message with its stack, naming the helper's line, and keeps the other fields", async () => {
    // Prepare
    const { logger, find } = recordingLogger();
    const handler = createWorkerHandler({ handlers: { Price: async (message: PriceMessage) => void priceOf(message.payload) }, logger });
    const event = sqsEvent({ type: "Price", payload: {} });

    // Act
    await handler(event, lambdaContext());

    // Assess
    const line = find("message failed");
    assert.ok(line, "a message failed line");
    assert.deepEqual(
      { level: line.level, messageType: line.messageType, messageId: line.messageId, reason: line.reason, errorName: line.errorName, error: line.error },
      {
        level: "error",
        messageType: "Price",
        messageId: event.Records[0]!.messageId,
        reason: "handler-error",
        errorName: "TypeError",
        error: "Cannot read properties of undefined (reading 'cents')",
      },
    );
    assert.equal(typeof line.durationMs, "number");
    assert.match(String(line.stack), /^TypeError: Cannot read properties of undefined \(reading 'cents'\)\n/);
    assert.match(String(line.stack), new RegExp(`\\n {4}at priceOf \\(.*runtimeStack\\.test\\.ts:${THROW_LINE}:\\d+\\)`));
  });

  it("logs a failed scheduled run with its stack", async () => {
    // Prepare
    const { logger, find } = recordingLogger();
    const handler = createWorkerHandler({ handlers: {}, scheduled: async () => void priceOf({}), logger });

    // Act
    await assert.rejects(handler(scheduledEvent(), lambdaContext()));

    // Assess
    const line = find("scheduled run failed");
    assert.equal(line?.reason, "handler-error");
    assert.equal(line?.errorName, "TypeError");
    assert.match(String(line?.stack), new RegExp(`at priceOf \\(.*runtimeStack\\.test\\.ts:${THROW_LINE}:\\d+\\)`));
  });

  it("logs no stack for a thrown value that has none", async () => {
    // Prepare
    const { logger, raw } = recordingLogger();
    const handler = createWorkerHandler({
      handlers: {
        Price: async () => {
          throw "a string"; // eslint-disable-line no-throw-literal
        },
      },
      logger,
    });

    // Act
    await handler(sqsEvent({ type: "Price", payload: {} }), lambdaContext());

    // Assess
    const line = raw.find((text) => text.includes('"message failed"'));
    assert.match(line ?? "", /"error":"a string"/);
    assert.doesNotMatch(line ?? "", /"stack"/);
  });
});
