import { LetsgoError, SettingsError } from "../errors.js";

/**
 * LETSGO_WORKER_SCHEDULE or LETSGO_WORKER_SCHEDULE_TIMEZONE (or the flag that
 * overrides them) is not something EventBridge Scheduler would accept.
 */
export class ScheduleError extends SettingsError {
  override name = "ScheduleError";
}

/** `schedule run` reached the dev worker, but the user's scheduled handler threw. */
export class ScheduledHandlerError extends LetsgoError {
  override name = "ScheduledHandlerError";
}

/** The error for an expression EventBridge Scheduler would reject; `reason` names the problem. */
export function invalidSchedule(expression: string, reason: string): ScheduleError {
  return new ScheduleError(`Schedule "${expression}" is not valid: ${reason}`);
}
