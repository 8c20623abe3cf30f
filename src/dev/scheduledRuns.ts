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
import { workerFunctionArn, type EventOrigin } from "../events/origin.js";
import { buildScheduledEvent } from "../events/scheduler.js";
import type { NewMessage } from "./queue.js";
import { runScheduledHandler, type ScheduledRunContext, type ScheduledRunOutcome } from "./scheduler.js";

/** The type a failed scheduled run has in the dev dead-letter queue. */
export const SCHEDULED_RUN_TYPE = "letsgo:scheduled-run";

/** Lambda retries a failed asynchronous invocation twice; its waits are minutes, these are short. */
export const DEFAULT_SCHEDULED_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

export interface ScheduledRunsOptions {
  context: ScheduledRunContext;
  /** Wait before each retry; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Put a run that failed every attempt in the DLQ, durably; resolves with its message id. */
  deadLetter(message: NewMessage, attempts: number, error: string, firstAttemptAt: number): Promise<string>;
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

  /** Stop: runs waiting for a retry go to the DLQ now, with their last error; resolves when every run has settled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wait of this.waits) wait.wake();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private async runWithRetries(due: Date): Promise<void> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_SCHEDULED_RETRY_DELAYS_MS;
    const maxAttempts = delays.length + 1;
    const run = { trigger: "schedule" as const, scheduledTime: due, executionId: randomUUID(), requestId: randomUUID(), maxAttempts };
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
        at: firstAttemptAt,
      });
      const deadLetterId = await this.options.deadLetter({ type: SCHEDULED_RUN_TYPE, body }, attempt, error, firstAttemptAt);
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
    responsePayload: named ? { errorType: named[1], errorMessage: named[2] } : { errorType: "Error", errorMessage: input.error },
  });
}
