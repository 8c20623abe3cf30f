/**
 * When a parsed cron expression fires next. Pure: the answer depends only on the
 * expression, the time zone and `after`.
 *
 * We walk the zone's wall clock forward (year, month, matching days, hours,
 * minutes) from the wall time at `after` and turn each candidate into an instant.
 * Candidates skipped by a spring-forward transition have no instant and do not
 * fire; candidates repeated by a fall-back transition fire once, the first time.
 * Any wall time earlier than the one at `after` has already happened once by
 * `after`, so starting the walk there misses nothing.
 */
import type { CronAst } from "./types.js";
import { daysInMonth, localToInstant, wallClock, weekdayOf } from "./zone.js";

export function nextCronFire(ast: CronAst, timezone: string, after: Date): Date | null {
  const afterMs = after.getTime();
  const start = wallClock(afterMs, timezone);

  for (const year of ast.year.values) {
    if (year < start.year) continue;
    const sameYear = year === start.year;
    for (const month of ast.month.values) {
      if (sameYear && month < start.month) continue;
      const sameMonth = sameYear && month === start.month;
      for (const day of matchingDays(ast, year, month)) {
        if (sameMonth && day < start.day) continue;
        const sameDay = sameMonth && day === start.day;
        for (const hour of ast.hours.values) {
          if (sameDay && hour < start.hour) continue;
          const sameHour = sameDay && hour === start.hour;
          for (const minute of ast.minutes.values) {
            if (sameHour && minute < start.minute) continue;
            const instant = localToInstant({ year, month, day, hour, minute, second: 0 }, timezone);
            if (instant !== null && instant > afterMs) return new Date(instant);
          }
        }
      }
    }
  }
  return null;
}

/** The days of `month` the two day fields select, ascending. */
export function matchingDays(ast: CronAst, year: number, month: number): number[] {
  const lastDay = daysInMonth(year, month);
  const dom = ast.dayOfMonth;
  const dow = ast.dayOfWeek;

  if (dom.kind === "last") return [lastDay];
  if (dom.kind === "nearest-weekday") {
    const day = nearestWeekday(year, month, dom.day);
    return day === null ? [] : [day];
  }
  if (dom.kind === "field") return dom.values.filter((day) => day <= lastDay);

  if (dow.kind === "last-of-month") {
    return [lastDay - ((weekdayOf(year, month, lastDay) - dow.weekday + 7) % 7)];
  }
  if (dow.kind === "nth-of-month") {
    const first = 1 + ((dow.weekday - weekdayOf(year, month, 1) + 7) % 7);
    const day = first + 7 * (dow.nth - 1);
    return day <= lastDay ? [day] : [];
  }
  if (dow.kind === "field") {
    const days: number[] = [];
    for (let day = 1; day <= lastDay; day++) if (dow.values.includes(weekdayOf(year, month, day))) days.push(day);
    return days;
  }
  return []; // both "?": rejected by the parser
}

/**
 * `nW`: the weekday (Monday-Friday) nearest day n, never leaving the month: a
 * Saturday 1st moves to Monday the 3rd, a Sunday on the last day to Friday. A
 * month without day n has no match.
 */
export function nearestWeekday(year: number, month: number, day: number): number | null {
  const lastDay = daysInMonth(year, month);
  if (day > lastDay) return null;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1; // Saturday
  if (weekday === 1) return day === lastDay ? day - 2 : day + 1; // Sunday
  return day;
}
