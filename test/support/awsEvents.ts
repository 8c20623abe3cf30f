/**
 * Factories for the events and contexts the worker receives, built with the same
 * production builders the local dev worker uses (src/events), plus a logger that
 * keeps what the worker would write to CloudWatch.
 */
import {
  buildLambdaContext,
  buildScheduledEvent,
  buildSqsEvent,
  buildSqsRecord,
  type EventOrigin,
  type SqsRecordInput,
} from "../../src/events/index.js";
import { createLogger, type Logger, type LogLevel } from "../../src/runtime/index.js";
import type { LambdaContext, ScheduledEvent, SqsEvent, SqsRecord } from "../../src/runtime/index.js";

export const TEST_ORIGIN: EventOrigin = { deployment: "test", region: "eu-central-1", account: "123456789012" };

/** A queue body for a message; pass a string to send that exact body. */
export function messageBody(message: unknown): string {
  return typeof message === "string" ? message : JSON.stringify(message);
}

export function sqsRecord(message: unknown, overrides: Partial<SqsRecordInput> = {}): SqsRecord {
  return buildSqsRecord({ origin: TEST_ORIGIN, body: messageBody(message), ...overrides });
}

/** An SQS event with one record per message (strings are raw bodies). */
export function sqsEvent(...messages: unknown[]): SqsEvent {
  return buildSqsEvent(messages.map((message) => sqsRecord(message)));
}

export function scheduledEvent(scheduledTime: number = Date.UTC(2026, 0, 1, 10, 0, 0)): ScheduledEvent {
  return buildScheduledEvent({ origin: TEST_ORIGIN, scheduledTime });
}

export function lambdaContext(timeoutMs = 60_000): LambdaContext {
  return buildLambdaContext({ origin: TEST_ORIGIN, memoryMb: 128, deadline: Date.now() + timeoutMs });
}

export interface LogLine {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

/** A real logger whose JSON lines are parsed and kept instead of written. */
export function capturedLogger(level: LogLevel = "debug"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
