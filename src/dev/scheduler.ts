/**
 * The local stand-in for EventBridge Scheduler: a timer armed for the schedule's
 * next fire time, and the run itself, which hands the handler process the event
 * the scheduler delivers (built in the child with src/events buildScheduledEvent).
 * A run goes through the same pool of handler processes as message batches, with
 * the same function timeout; a throwing or crashing handler fails the run, never
 * `dev`. What happens to a failed run (retries, the DLQ) is scheduledRuns.ts's.
 */
import { randomUUID } from "node:crypto";
import type { EventOrigin } from "../events/origin.js";
import type { Schedule } from "../schedule/index.js";
import type { HandlerInvoker } from "./invoker.js";

/** Node timers hold at most 2^31-1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScheduleTimer {
  /** The next fire time, or null when the schedule will not fire again (or is stopped). */
  readonly next: Date | null;
  stop(): void;
}

export interface ArmOptions {
  /** Count fire times from here (default: now): `dev` passes when it started, so loading the handler skips none. */
  from?: Date;
  now?: () => number;
}

/**
 * Call `fire(due)` at each fire time of `schedule`. After a pause (a laptop
 * asleep), missed fire times are not replayed: the latest one fires once.
 */
export function armSchedule(schedule: Schedule, fire: (due: Date) => void, options: ArmOptions = {}): ScheduleTimer {
  const now = options.now ?? Date.now;
  let next: Date | null = schedule.next(options.from ?? new Date(now()));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped || next === null) return;
    timer = setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - now())));
    timer.unref();
  };
  const wake = () => {
    if (stopped || next === null) return;
    const at = now();
    if (at < next.getTime()) return arm(); // a long wait in chunks, or a clock that moved back
    let due = next;
    for (let later = schedule.next(due); later !== null && later.getTime() <= at; later = schedule.next(later)) due = later;
    next = schedule.next(new Date(Math.max(at, due.getTime())));
    arm();
    fire(due);
  };
  arm();
  return {
    get next() {
      return stopped ? null : next;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export type ScheduledRunTrigger = "schedule" | "request";

export interface ScheduledRun {
  trigger: ScheduledRunTrigger;
  executionId: string;
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
  const { trigger, scheduledTime, executionId = randomUUID(), requestId = randomUUID(), attempt = 1, maxAttempts = 1 } = run;
  const base = { trigger, executionId, scheduledTime: scheduledTime.toISOString(), attempt, maxAttempts };
  const unavailable = context.unavailable();
  if (unavailable !== undefined) return { ...base, ok: false, durationMs: 0, error: unavailable };
  const outcome = await context.invoker.invoke({
    t: "invoke",
    event: { kind: "scheduled", scheduledTime: scheduledTime.getTime(), executionId },
    context: { origin: context.origin, memoryMb: context.memoryMb, deadline: 0, awsRequestId: requestId },
  });
  const durationMs = Math.round(outcome.durationMs);
  return outcome.ok ? { ...base, ok: true, durationMs } : { ...base, ok: false, durationMs, error: outcome.error };
}
