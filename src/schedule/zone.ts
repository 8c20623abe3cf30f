/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl. EventBridge
 * Scheduler evaluates cron and at() expressions on the zone's wall clock; these
 * helpers move between that wall clock and instants.
 */
import { ScheduleError } from "./errors.js";
import type { LocalDateTime } from "./types.js";

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, format);
  }
  return format;
}

/**
 * Throw unless `timezone` is an IANA zone name, written as the database writes it
 * ("America/New_York", "UTC"). Offsets such as "+02:00" are not zone names.
 */
export function validateTimeZone(timezone: string): void {
  const hint = "Use an IANA time zone name such as UTC, Europe/Berlin or America/New_York.";
  if (timezone.trim() === "") throw new ScheduleError(`The schedule time zone is empty. ${hint}`);
  // The default: valid by definition, and asking Intl would map ICU's time zone data (~7 MB resident) into every dev for nothing.
  if (timezone === "UTC") return;
  if (!/^[A-Za-z]/.test(timezone)) {
    throw new ScheduleError(`"${timezone}" is not a time zone name (offsets are not accepted). ${hint}`);
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new ScheduleError(`"${timezone}" is not a known time zone. ${hint}`);
  }
  if (resolved !== timezone && resolved.toLowerCase() === timezone.toLowerCase()) {
    throw new ScheduleError(`Time zone "${timezone}" must be written "${resolved}" (zone names are case-sensitive).`);
  }
}

/** The wall-clock time in `timezone` at `instant` (milliseconds since the epoch). */
export function wallClock(instant: number, timezone: string): LocalDateTime {
  if (timezone === "UTC") {
    const date = new Date(instant);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
  }
  const out: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(instant)) {
    if (part.type !== "literal") out[part.type] = Number(part.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

function asUtc(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
export function offsetAt(instant: number, timezone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return asUtc(wallClock(whole, timezone)) - whole;
}

function sameWallTime(a: LocalDateTime, b: LocalDateTime): boolean {
  return (
    a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second
  );
}

/**
 * The instant at which the wall clock in `timezone` shows `local`, following the
 * Scheduler's daylight-saving rules: a time skipped when clocks go forward never
 * happens (null); a time that happens twice when clocks go back counts once, the
 * first time.
 */
export function localToInstant(local: LocalDateTime, timezone: string): number | null {
  const guess = asUtc(local);
  if (timezone === "UTC") return guess;
  // A transition near `guess` shows up as different offsets a day either side.
  const offsets = new Set([offsetAt(guess - DAY_MS, timezone), offsetAt(guess, timezone), offsetAt(guess + DAY_MS, timezone)]);
  let earliest: number | null = null;
  for (const offset of offsets) {
    const instant = guess - offset;
    if (sameWallTime(wallClock(instant, timezone), local) && (earliest === null || instant < earliest)) earliest = instant;
  }
  return earliest;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of the week in EventBridge numbering: 1 = Sunday ... 7 = Saturday. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** "2026-03-10T09:00:00-04:00": the instant as the zone's wall clock, with its offset. */
export function formatLocalIso(instant: number, timezone: string): string {
  const local = wallClock(instant, timezone);
  const offsetMinutes = Math.round(offsetAt(instant, timezone) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
