/**
 * The Lambda handler: SQS batches are dispatched by message `type`, record by
 * record, and only the failed records are reported back; scheduled runs go to the
 * scheduled handler and throw on failure, so the invocation fails: Lambda retries
 * it (twice), then sends its record to the worker's dead-letter queue. Each
 * record's and run's outcome is logged (for people) and reported (outcomes.ts,
 * for a host such as `dev`), whatever the logger.
 */
import { errorStack, firstLine, InvalidMessageError, ScheduledRunError, UnsupportedEventError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import { isScheduledEvent, PROBE_MESSAGE_TYPE } from "./messageTypes.js";
import { hasOutcomeReporter, OUTCOME_LOG_MESSAGES, OutcomeLog, reportOutcome } from "./outcomes.js";
import { parseMessage } from "./parseMessage.js";
import { describeWorld, PROBE_LOG_MESSAGE, probePayload } from "./probe.js";
import { installedPayloadSchemas, payloadProblem } from "./payloadShape.js";
import { unknownTypeProblem } from "./messageRules.js";
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
  const logger = options.logger ?? withoutLinesTheHostShows(createLogger());
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

/**
 * The default logger, minus the outcome lines while a host shows every outcome
 * itself (dev prints a ✓ or ✗ line per message from its reporter, and hid these
 * lines anyway): per message, one line less to write in the handler process and
 * one less to read in dev. In Lambda no host is there and every line is
 * written; a logger the user passes gets every call, in dev too.
 */
function withoutLinesTheHostShows(logger: Logger): Logger {
  const unlessShown = (log: Logger["info"]) => (msg: string, fields?: Parameters<Logger["info"]>[1]) => {
    if (OUTCOME_LOG_MESSAGES.has(msg) && hasOutcomeReporter()) return;
    log(msg, fields);
  };
  return { level: logger.level, debug: unlessShown(logger.debug), info: unlessShown(logger.info), warn: logger.warn, error: unlessShown(logger.error) };
}

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every((record) => typeof record?.messageId === "string" && typeof record?.body === "string")
  );
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
  logger.debug(OutcomeLog.BatchDone, { records: event.Records.length, failed: batchItemFailures.length });
  return { batchItemFailures };
}

/** What each record's log line starts with. */
interface RecordFields {
  messageType: string | undefined;
  messageId: string;
  receiveCount: number;
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
  const fields: RecordFields = {
    messageType: undefined, // known once the body parses; keeps the key first on the line
    messageId: record.messageId,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
  };
  try {
    const redrivenRun = scheduledEventInBody(record.body);
    if (redrivenRun) {
      fields.messageType = "scheduled run (redriven)";
      await runScheduled(redrivenRun, context, scheduled, logger);
      return handled(fields, started, logger);
    }
    const message = parseMessage(record.body);
    fields.messageType = message.type;
    if (message.type === PROBE_MESSAGE_TYPE) {
      answerProbe(message.payload, record.messageId);
      return handled(fields, started, logger);
    }
    const handle = Object.hasOwn(handlers, message.type) ? handlers[message.type] : undefined;
    if (typeof handle !== "function") {
      // In the user's terms: a type the project never declared, or one declared whose handler was never registered.
      const undeclared = unknownTypeProblem(message.type, installedPayloadSchemas());
      throw new InvalidMessageError(
        "unknown-type",
        undeclared ??
          `No handler for "${message.type}": register one in the handlers map of apps/worker/src/handlers/index.ts (\`npx letsgo-worker add-message ${message.type}\` writes and registers one for a new type).`,
      );
    }
    // A payload that does not match its declared type fails here, before the
    // handler sees it, with the text enqueue() would have refused it with.
    const problem = payloadProblem(installedPayloadSchemas(), message.type, message.payload);
    if (problem) throw new InvalidMessageError("invalid-payload", problem);
    await handle(message, event, context);
    return handled(fields, started, logger);
  } catch (error) {
    const durationMs = Date.now() - started;
    logger.error(OutcomeLog.MessageFailed, {
      ...fields,
      reason: error instanceof InvalidMessageError ? error.reason : "handler-error",
      error: firstLine(error),
      errorName: error instanceof Error ? error.name : typeof error,
      durationMs,
      stack: errorStack(error),
    });
    reportOutcome({ kind: "message", messageId: fields.messageId, messageType: fields.messageType, ok: false, error, durationMs });
    return false;
  }
}

/**
 * The report goes out at info whatever LETSGO_LOG_LEVEL or the user's logger
 * says: the verifier reads it from the function's logs.
 */
function answerProbe(payload: unknown, messageId: string): void {
  const probe = probePayload(payload);
  if (!probe) throw new InvalidMessageError("invalid-payload", `A ${PROBE_MESSAGE_TYPE} message needs a payload { probeId: string, names?: string[] }.`);
  createLogger({ level: "info" }).info(PROBE_LOG_MESSAGE, { probeId: probe.probeId, messageId, world: describeWorld(probe.names) });
}

function handled(fields: RecordFields, started: number, logger: Logger): true {
  const durationMs = Date.now() - started;
  logger.info(OutcomeLog.MessageHandled, { ...fields, durationMs });
  reportOutcome({ kind: "message", messageId: fields.messageId, messageType: fields.messageType, ok: true, durationMs });
  return true;
}

async function runScheduled(
  event: ScheduledEvent,
  context: LambdaContext,
  scheduled: ScheduledEventHandler | undefined,
  logger: Logger,
): Promise<void> {
  const fields = { scheduledTime: event.time, executionId: event.id };
  const run = { kind: "scheduled" as const, ...fields };
  if (!scheduled) {
    logger.error(OutcomeLog.ScheduledRunFailed, { ...fields, reason: "no-scheduled-handler" });
    const error = new ScheduledRunError(
      "A scheduled event arrived but no scheduled handler is set: pass createWorkerHandler({ scheduled }), or clear LETSGO_WORKER_SCHEDULE to stop scheduling.",
    );
    reportOutcome({ ...run, ok: false, error, durationMs: 0 });
    throw error;
  }
  const started = Date.now();
  try {
    await scheduled(event, context);
  } catch (error) {
    const durationMs = Date.now() - started;
    logger.error(OutcomeLog.ScheduledRunFailed, {
      ...fields,
      reason: "handler-error",
      error: firstLine(error),
      errorName: error instanceof Error ? error.name : typeof error,
      durationMs,
      stack: errorStack(error),
    });
    reportOutcome({ ...run, ok: false, error, durationMs });
    throw new ScheduledRunError(`Scheduled run for ${event.time} failed: ${firstLine(error)}`, { cause: error });
  }
  const durationMs = Date.now() - started;
  logger.info(OutcomeLog.ScheduledRunDone, { ...fields, durationMs });
  reportOutcome({ ...run, ok: true, durationMs });
}

function describeEvent(event: unknown): string {
  if (typeof event !== "object" || event === null) return `got ${event === null ? "null" : typeof event}`;
  const source = (event as { source?: unknown }).source;
  const keys = Object.keys(event).slice(0, 6).join(", ");
  return `${typeof source === "string" ? `source "${source}", ` : ""}fields: ${keys || "none"}`;
}
