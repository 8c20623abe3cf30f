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

export type InvalidMessageReason = "invalid-json" | "missing-type" | "unknown-type" | "invalid-payload";

/**
 * A queue message that cannot be handled as it is: bad JSON, no `type`, no
 * handler for it, or a payload that does not match its interface in @letsgo/types.
 */
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
  /** What the server's operator can do about it (for the log, never the reply: the sender is not the one to configure anything). */
  readonly advice?: string;
  constructor(reason: StripeWebhookFailure, message: string, options: { cause?: unknown; advice?: string } = {}) {
    super(message, { cause: options.cause });
    this.reason = reason;
    if (options.advice) this.advice = options.advice;
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

/** Longest stack kept: a log line or journal record stays small whatever a message holds. */
export const MAX_STACK_CHARS = 16 * 1024;

/**
 * The stack of what was thrown, followed by its causes' ("Caused by: ..."), so
 * a wrapped error still names the code that failed; undefined when it has none
 * (a thrown string, an object without `stack`). At most MAX_STACK_CHARS.
 */
export function errorStack(error: unknown): string | undefined {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; parts.length < 5 && current !== null && typeof current === "object" && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const stack = (current as { stack?: unknown }).stack;
    if (typeof stack === "string" && stack !== "") parts.push(parts.length === 0 ? stack : `Caused by: ${stack}`);
  }
  if (parts.length === 0) return undefined;
  const text = parts.join("\n");
  return text.length > MAX_STACK_CHARS ? `${text.slice(0, MAX_STACK_CHARS)}\n    … (cut at ${MAX_STACK_CHARS} characters)` : text;
}
