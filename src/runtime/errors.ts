/**
 * Errors the runtime throws inside the user's Lambda. Self-contained (the runtime
 * imports nothing from the CLI): one base class, named subclasses, originals kept as `cause`.
 */
export class WorkerRuntimeError extends Error {
  override name = "WorkerRuntimeError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** LETSGO_WORKER_PRIVATE_KEY is missing or is not a usable private key. */
export class WorkerKeyError extends WorkerRuntimeError {
  override name = "WorkerKeyError";
}

/** The worker was invoked with an event it does not know (neither SQS nor EventBridge Scheduler). */
export class UnsupportedEventError extends WorkerRuntimeError {
  override name = "UnsupportedEventError";
}

/** A scheduled run failed; thrown so EventBridge Scheduler's retry policy applies. */
export class ScheduledRunError extends WorkerRuntimeError {
  override name = "ScheduledRunError";
}

export type InvalidMessageReason = "invalid-json" | "missing-type" | "unknown-type";

/** A queue message that cannot be handled as it is: bad JSON, no `type`, no handler for it. */
export class InvalidMessageError extends WorkerRuntimeError {
  override name = "InvalidMessageError";
  readonly reason: InvalidMessageReason;
  constructor(reason: InvalidMessageReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

export type StripeWebhookFailure =
  | "no-secret"
  | "missing-header"
  | "malformed-header"
  | "bad-signature"
  | "timestamp-outside-tolerance"
  | "invalid-json"
  | "invalid-event";

/** A Stripe webhook request failed verification; `reason` says which check. */
export class StripeWebhookError extends WorkerRuntimeError {
  override name = "StripeWebhookError";
  readonly reason: StripeWebhookFailure;
  constructor(reason: StripeWebhookFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

export interface FirstLineOptions {
  /** Start with the error's name, "Name: message", as Lambda and `dev` report errors. Default: false. */
  withName?: boolean;
}

/** The first line of an error's message: enough for a log line. Anything not an Error is turned into a string. */
export function firstLine(error: unknown, options: FirstLineOptions = {}): string {
  const text = error instanceof Error ? (options.withName ? `${error.name}: ${error.message}` : error.message) : String(error);
  return text.split("\n", 1)[0] ?? "";
}
