/**
 * The local stand-in for EventBridge Scheduler's clock: a timer armed for the
 * schedule's next fire time. What a run does is scheduledRuns.ts's.
 */
import type { Schedule } from "../../schedule/index.js";

/** Node timers hold at most 2^31-1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScheduleTimer {
  /** The next fire time, or null when the schedule will not fire again (or is stopped). */
  readonly next: Date | null;
  close(): void;
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
    close() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
