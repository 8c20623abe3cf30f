/**
 * The Lambda handler: SQS batches are dispatched by message `type`, record by
 * record, and only the failed records are reported back; scheduled runs go to the
 * scheduled handler and throw on failure, so the invocation fails: Lambda retries
 * it (twice), then sends its record to the worker's dead-letter queue.
 */
import { firstLine, InvalidMessageError, ScheduledRunError, UnsupportedEventError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import { parseMessage } from "./parseMessage.js";
import { scheduledEventInBody } from "./redrivenRun.js";
import { secretsLoader } from "./secrets.js";
import type {
  LambdaContext,
  MessageHandler,
  ScheduledEvent,
  ScheduledEventHandler,
  SqsBatchResponse,
  SqsEvent,
  SqsRecord,
  WorkerHandler,
} from "./types.js";

export type MessageHandlers = Record<string, MessageHandler<any>>;

export interface WorkerHandlerOptions {
  /** Message type → handler. */
  handlers: MessageHandlers;
  /** Runs on each EventBridge Scheduler run. */
  scheduled?: ScheduledEventHandler;
  /** Default: JSON lines at LETSGO_LOG_LEVEL. */
  logger?: Logger;
}

export function createWorkerHandler(options: WorkerHandlerOptions): WorkerHandler {
  const logger = options.logger ?? createLogger();
  const loadSecrets = secretsLoader();
  return async function handler(event, context) {
    await loadSecrets();
    if (isSqsEvent(event)) return handleBatch(event, context, options, logger);
    if (isScheduledEvent(event)) {
      await runScheduled(event, context, options.scheduled, logger);
      return undefined;
    }
    throw new UnsupportedEventError(
      `The worker received an event it does not handle (${describeEvent(event)}). ` +
        'It handles SQS batches ({"Records":[...]}) and EventBridge Scheduler events (source "aws.scheduler").',
    );
  };
}

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every((record) => typeof record?.messageId === "string" && typeof record?.body === "string")
  );
}

export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const candidate = event as Partial<ScheduledEvent> | null;
  return candidate?.source === "aws.scheduler" && candidate["detail-type"] === "Scheduled Event";
}

async function handleBatch(
  event: SqsEvent,
  context: LambdaContext,
  options: WorkerHandlerOptions,
  logger: Logger,
): Promise<SqsBatchResponse> {
  // Records run concurrently; each settles on its own, so one failure never hides another.
  const outcomes = await Promise.all(
    event.Records.map((record) => handleRecord(record, event, context, options, logger)),
  );
  const batchItemFailures = event.Records.filter((_, index) => !outcomes[index]).map((record) => ({
    itemIdentifier: record.messageId,
  }));
  logger.debug("batch done", { records: event.Records.length, failed: batchItemFailures.length });
  return { batchItemFailures };
}

/** Resolves true when the record was handled, false when it must go back to the queue. */
async function handleRecord(
  record: SqsRecord,
  event: SqsEvent,
  context: LambdaContext,
  { handlers, scheduled }: WorkerHandlerOptions,
  logger: Logger,
): Promise<boolean> {
  const started = Date.now();
  const fields: Record<string, unknown> = {
    messageType: undefined, // known once the body parses; keeps the key first on the line
    messageId: record.messageId,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
  };
  try {
    const redrivenRun = scheduledEventInBody(record.body);
    if (redrivenRun) {
      fields.messageType = "scheduled run (redriven)";
      await runScheduled(redrivenRun, context, scheduled, logger);
      logger.info("message handled", { ...fields, durationMs: Date.now() - started });
      return true;
    }
    const message = parseMessage(record.body);
    fields.messageType = message.type;
    const handle = Object.hasOwn(handlers, message.type) ? handlers[message.type] : undefined;
    if (typeof handle !== "function") {
      throw new InvalidMessageError(
        "unknown-type",
        `No handler for message type "${message.type}": register one in the handlers map passed to createWorkerHandler.`,
      );
    }
    await handle(message, event, context);
    logger.info("message handled", { ...fields, durationMs: Date.now() - started });
    return true;
  } catch (error) {
    logger.error("message failed", {
      ...fields,
      reason: error instanceof InvalidMessageError ? error.reason : "handler-error",
      error: firstLine(error),
      errorName: error instanceof Error ? error.name : typeof error,
      durationMs: Date.now() - started,
    });
    return false;
  }
}

async function runScheduled(
  event: ScheduledEvent,
  context: LambdaContext,
  scheduled: ScheduledEventHandler | undefined,
  logger: Logger,
): Promise<void> {
  const fields = { scheduledTime: event.time, executionId: event.id };
  if (!scheduled) {
    logger.error("scheduled run failed", { ...fields, reason: "no-scheduled-handler" });
    throw new ScheduledRunError(
      "A scheduled event arrived but no scheduled handler is set: pass createWorkerHandler({ scheduled }), or clear LETSGO_WORKER_SCHEDULE to stop scheduling.",
    );
  }
  const started = Date.now();
  try {
    await scheduled(event, context);
  } catch (error) {
    logger.error("scheduled run failed", {
      ...fields,
      reason: "handler-error",
      error: firstLine(error),
      errorName: error instanceof Error ? error.name : typeof error,
      durationMs: Date.now() - started,
    });
    throw new ScheduledRunError(`Scheduled run for ${event.time} failed: ${firstLine(error)}`, { cause: error });
  }
  logger.info("scheduled run done", { ...fields, durationMs: Date.now() - started });
}

function describeEvent(event: unknown): string {
  if (typeof event !== "object" || event === null) return `got ${event === null ? "null" : typeof event}`;
  const source = (event as { source?: unknown }).source;
  const keys = Object.keys(event).slice(0, 6).join(", ");
  return `${typeof source === "string" ? `source "${source}", ` : ""}fields: ${keys || "none"}`;
}
