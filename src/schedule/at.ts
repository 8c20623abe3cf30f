/**
 * `at(yyyy-mm-ddThh:mm:ss)`: a one-time schedule, read on the wall clock of the
 * schedule's time zone. A time that the zone skips (spring forward) never comes,
 * so such a schedule never fires; a repeated time fires the first time.
 */
import { invalidSchedule } from "./errors.js";
import type { AtAst } from "./types.js";
import { daysInMonth, localToInstant } from "./zone.js";

export function parseAt(expression: string, body: string): AtAst {
  const fail = (reason: string) => invalidSchedule(expression, reason);
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(body) && /T/.test(body);
    throw fail(
      zoned
        ? `at() takes a wall-clock time without an offset or Z, like at(2026-06-01T09:00:00); set LETSGO_WORKER_SCHEDULE_TIMEZONE for the zone.`
        : `at() takes a date and time as yyyy-mm-ddThh:mm:ss, like at(2026-06-01T09:00:00); got "${body}".`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw fail(`month ${match[2]} does not exist (01-12).`);
  if (day < 1 || day > daysInMonth(year, month)) throw fail(`${match[1]}-${match[2]} has no day ${match[3]}.`);
  if (hour > 23) throw fail(`hour ${match[4]} does not exist (00-23).`);
  if (minute > 59) throw fail(`minute ${match[5]} does not exist (00-59).`);
  if (second > 59) throw fail(`second ${match[6]} does not exist (00-59).`);
  return { kind: "at", local: { year, month, day, hour, minute, second } };
}

export function atInstant(ast: AtAst, timezone: string): Date | null {
  const instant = localToInstant(ast.local, timezone);
  return instant === null ? null : new Date(instant);
}

export function nextAtFire(ast: AtAst, timezone: string, after: Date): Date | null {
  const instant = atInstant(ast, timezone);
  return instant !== null && instant.getTime() > after.getTime() ? instant : null;
}
