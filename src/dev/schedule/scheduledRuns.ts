/**
 * What becomes of a scheduled run, as in AWS. EventBridge Scheduler invokes the
 * function asynchronously: when the scheduled handler fails, Lambda retries the
 * same event twice (3 attempts), then sends its invocation record to the
 * worker's dead-letter queue (the OnFailure destination deploy sets). `dev` does
 * the same with short waits (1 s, then 2 s) and puts that record in its DLQ as a
 * `letsgo:scheduled-run` message; redriving it sends it to the queue, where the
 * runtime recognises a failed run and calls the scheduled handler again.
 *
 * A run asked for with POST /schedule is a synchronous invocation (like `aws
 * lambda invoke`): one attempt, its error returned to the caller, who is there
 * to see it; nothing is retried or dead-lettered.
 */
import { randomUUID } from "node:crypto";
import { workerFunctionArn, type EventOrigin } from "../../events/origin.js";
import { buildScheduledEvent, newExecutionId } from "../../events/scheduledEvent.js";
import { SCHEDULED_RUN_TYPE } from "../../runtime/messageTypes.js";
import type { NewMessage } from "../queue/queueRecords.js";
import type { HandlerInvoker } from "../pool/invoker.js";

/** Lambda retries a failed asynchronous invocation twice; its waits are minutes, these are short. */
export const DEFAULT_SCHEDULED_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

export interface ScheduledRunsOptions {
  context: ScheduledRunContext;
  /** Wait before each retry; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Put a run that failed every attempt in the DLQ, durably; resolves with its message id. */
  deadLetter(message: NewMessage, attempts: number, error: string, firstAttemptAt: number, stack?: string): Promise<string>;
  /** Each attempt's outcome (the last failed one carries the DLQ message id). */
  onRan(outcome: ScheduledRunOutcome): void;
}

interface Wait {
  timer: NodeJS.Timeout;
  wake: () => void;
}

export class ScheduledRuns {
  private readonly waits = new Set<Wait>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ScheduledRunsOptions) {}

  /** A run due on the schedule: retried, then dead-lettered if every attempt fails. */
  fire(due: Date): void {
    if (this.closed) return;
    const run = this.runWithRetries(due).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** POST /schedule: one attempt, now. */
  async runNow(): Promise<ScheduledRunOutcome> {
    const outcome = await runScheduledHandler(this.options.context, { trigger: "request", scheduledTime: new Date() });
    this.options.onRan(outcome);
    return outcome;
  }

  /** Take no new runs; runs waiting for a retry go to the DLQ now, with their last error. */
  stop(): void {
    this.closed = true;
    for (const wait of this.waits) wait.wake();
  }

  /** Stop, and resolve when every run has settled. */
  async close(): Promise<void> {
    this.stop();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private async runWithRetries(due: Date): Promise<void> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_SCHEDULED_RETRY_DELAYS_MS;
    const maxAttempts = delays.length + 1;
    const run = { trigger: "schedule" as const, scheduledTime: due, executionId: newExecutionId(), requestId: randomUUID(), maxAttempts };
    const firstAttemptAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await runScheduledHandler(this.options.context, { ...run, attempt });
      if (outcome.ok) return this.options.onRan(outcome);
      if (attempt < maxAttempts && !this.closed) {
        this.options.onRan({ ...outcome, retryInMs: delays[attempt - 1]! });
        if (await this.wait(delays[attempt - 1]!)) continue;
      }
      const error = attempt < maxAttempts ? `${outcome.error} (dev stopped before attempt ${attempt + 1} of ${maxAttempts})` : outcome.error;
      const body = scheduledRunFailureRecord({
        origin: this.options.context.origin,
        event: buildScheduledEvent({ origin: this.options.context.origin, scheduledTime: due, executionId: run.executionId }),
        requestId: run.requestId,
        attempts: attempt,
        error,
        ...(outcome.stack ? { stack: outcome.stack } : {}),
        at: firstAttemptAt,
      });
      const deadLetterId = await this.options.deadLetter({ type: SCHEDULED_RUN_TYPE, body }, attempt, error, firstAttemptAt, outcome.stack);
      // Closed while waiting: the attempt was reported already; the dead letter speaks for itself.
      if (attempt === maxAttempts || !this.closed) this.options.onRan({ ...outcome, deadLetterId });
      return;
    }
  }

  /** Resolves true after `ms`, false when closed sooner. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wait: Wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve(true);
        }, ms),
        wake: () => {
          clearTimeout(wait.timer);
          this.waits.delete(wait);
          resolve(false);
        },
      };
      this.waits.add(wait);
    });
  }
}

export interface FailureRecordInput {
  origin: EventOrigin;
  event: unknown;
  requestId: string;
  attempts: number;
  /** "Name: message", as the handler process reports errors. */
  error: string;
  /** The error's stack, when there is one: Lambda's error response carries its lines as `trace`. */
  stack?: string;
  at: number;
}

/** The record Lambda sends to an OnFailure destination when an asynchronous invocation fails every attempt. */
export function scheduledRunFailureRecord(input: FailureRecordInput): string {
  const named = /^([A-Za-z][\w.]*): (.*)$/s.exec(input.error);
  return JSON.stringify({
    version: "1.0",
    timestamp: new Date(input.at).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: `${workerFunctionArn(input.origin)}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    // As the Node.js runtime reports a function error: type, message and the stack's lines.
    responsePayload: { ...(named ? { errorType: named[1], errorMessage: named[2] } : { errorType: "Error", errorMessage: input.error }), trace: input.stack?.split("\n") ?? [] },
  });
}

/* A single run: the event the scheduler delivers goes through the same pool of handler
   processes as message batches, with the same function timeout; a throwing or crashing
   handler fails the run, never `dev`. */

export type ScheduledRunTrigger = "schedule" | "request";

export interface ScheduledRun {
  trigger: ScheduledRunTrigger;
  executionId: string;
  /** The invocation's awsRequestId: what the handler printed during it is filed under it. */
  requestId: string;
  /** ISO time the run was due (for a request: when it was asked for). */
  scheduledTime: string;
  durationMs: number;
  /** 1 for the first attempt; a failed run due on the schedule is attempted up to `maxAttempts` times. */
  attempt: number;
  maxAttempts: number;
}

export type ScheduledRunOutcome =
  | (ScheduledRun & { ok: true })
  | (ScheduledRun & {
      ok: false;
      error: string;
      /** The error's stack, when the handler's process gave one. */
      stack?: string;
      /** Another attempt follows after this long. */
      retryInMs?: number;
      /** The last attempt failed: the run was put in the dead-letter queue as this message. */
      deadLetterId?: string;
    });

export interface ScheduledRunContext {
  invoker: Pick<HandlerInvoker, "invoke">;
  origin: EventOrigin;
  memoryMb: number;
  /** Why the handler cannot run now (it failed to load), if so. */
  unavailable: () => string | undefined;
}

export interface ScheduledAttempt {
  trigger: ScheduledRunTrigger;
  scheduledTime: Date;
  /** The same for every attempt of a run, as the event Lambda retries is the same event. */
  executionId?: string;
  /** Lambda keeps the request id across its retries of an asynchronous invocation. */
  requestId?: string;
  attempt?: number;
  maxAttempts?: number;
}

/** Run the scheduled handler once, now. Never throws: the outcome says how it went. */
export async function runScheduledHandler(context: ScheduledRunContext, run: ScheduledAttempt): Promise<ScheduledRunOutcome> {
  const { trigger, scheduledTime, executionId = newExecutionId(), requestId = randomUUID(), attempt = 1, maxAttempts = 1 } = run;
  const base = { trigger, executionId, requestId, scheduledTime: scheduledTime.toISOString(), attempt, maxAttempts };
  const unavailable = context.unavailable();
  if (unavailable !== undefined) return { ...base, ok: false, durationMs: 0, error: unavailable };
  const outcome = await context.invoker.invoke({
    t: "invoke",
    event: { kind: "scheduled", scheduledTime: scheduledTime.getTime(), executionId },
    context: { origin: context.origin, memoryMb: context.memoryMb, deadline: 0, awsRequestId: requestId },
  });
  const durationMs = Math.round(outcome.durationMs);
  return outcome.ok ? { ...base, ok: true, durationMs } : { ...base, ok: false, durationMs, error: outcome.error, ...(outcome.stack ? { stack: outcome.stack } : {}) };
}
