/**
 * When a failing message is tried again, and when it would reach the
 * dead-letter queue: the visibility timeout between attempts (a failed attempt
 * leaves the message invisible until then, as SQS does), and
 * LETSGO_WORKER_MAX_RECEIVE_COUNT attempts in all. "If it keeps failing": each
 * attempt left failing at once, so the DLQ time is the soonest it can be.
 * One owner for the console, `dlq list`, the dashboard and the banner; the
 * console's durations too.
 */
import { settingMs, type Settings } from "../../project/settings.js";

export interface RetrySettings {
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
}

export function retrySettingsOf(settings: Settings): RetrySettings {
  return { visibilityTimeoutMs: settingMs(settings, "LETSGO_WORKER_VISIBILITY_TIMEOUT"), maxReceiveCount: settings.LETSGO_WORKER_MAX_RECEIVE_COUNT };
}

export interface RetryTiming {
  /** When the next attempt may start (the message is visible again). */
  nextAttemptAt: number;
  /** When it would go to the DLQ if every attempt left fails at once. */
  deadLetterAt: number;
  /** Attempts left, the next one included. */
  attemptsLeft: number;
}

/**
 * For a message received `receiveCount` times and visible again at
 * `visibleAt`. With no attempt left (an attempt cut short by a dev restart),
 * it goes to the DLQ when it is next received: both times are `visibleAt`.
 */
export function retryTiming(message: { receiveCount: number; visibleAt: number }, settings: RetrySettings): RetryTiming {
  const attemptsLeft = Math.max(0, settings.maxReceiveCount - message.receiveCount);
  return { nextAttemptAt: message.visibleAt, deadLetterAt: message.visibleAt + Math.max(0, attemptsLeft - 1) * settings.visibilityTimeoutMs, attemptsLeft };
}

/**
 * From a message's first attempt to the DLQ, if every attempt fails at once.
 * `dev` moves it as its last attempt fails; SQS when that attempt's visibility
 * timeout ends and a receive finds it: one visibility timeout later.
 */
export function timeToDeadLetter(settings: RetrySettings, where: "dev" | "aws"): number {
  return (settings.maxReceiveCount - (where === "dev" ? 1 : 0)) * settings.visibilityTimeoutMs;
}

/** "tried 5 times, 360 s apart: in the DLQ ~24 min after its first attempt" — what the settings mean in time, in dev. */
export function retriesInWords(settings: RetrySettings): string {
  if (settings.maxReceiveCount === 1) return "a failing message is tried once, then moved to the DLQ";
  const apart = spokenDuration(settings.visibilityTimeoutMs);
  return `a failing message is tried ${settings.maxReceiveCount} times, ${apart} apart: in the DLQ ~${spokenDuration(timeToDeadLetter(settings, "dev"))} after its first attempt`;
}

/** "~30 min: 5 receives × 360 s visibility" — the same in AWS. */
export function awsRetriesInWords(settings: RetrySettings): string {
  return `~${spokenDuration(timeToDeadLetter(settings, "aws"))}: ${settings.maxReceiveCount} receive${settings.maxReceiveCount === 1 ? "" : "s"} × ${settings.visibilityTimeoutMs / 1000} s visibility`;
}

/** 45 s, 6 min, 1 h 30 min, 4 d 2 h: a duration as a person says it, rounded. */
export function spokenDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** 14:03:12, local time: when something happens today (the console's clock). */
export function clockTime(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}
