/**
 * `rate(value unit)`: every `value` minutes, hours or days of elapsed time (a day
 * is 24 hours, whatever daylight saving does to the wall clock).
 *
 * EventBridge Scheduler starts invoking a rate schedule at once, at its start
 * date (when it was created or last updated, if no StartDate is set), then every
 * interval after: fires at start + k × interval, k ≥ 0. `dev` passes the time it
 * started, so its first run is at once too; `deploy` has no local start (AWS picks it).
 */
import { invalidSchedule } from "./errors.js";
import type { RateAst, RateUnit } from "./types.js";

const UNIT_MS: Record<RateUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const LATEST_DATE_MS = 8.64e15;

export function parseRate(expression: string, body: string): RateAst {
  const fail = (reason: string) => invalidSchedule(expression, reason);
  const parts = body.trim() === "" ? [] : body.trim().split(/\s+/);
  if (parts.length !== 2) {
    throw fail(`rate() takes a value and a unit, like rate(5 minutes) or rate(1 hour); got "${body}".`);
  }
  const [valueText, unitText] = parts as [string, string];
  if (!/^\d+$/.test(valueText) || Number(valueText) === 0) {
    throw fail(`the rate value must be a positive whole number (1 or more), got "${valueText}".`);
  }
  if (/^0/.test(valueText)) throw fail(`write the rate value without leading zeros: ${Number(valueText)}.`);
  const value = Number(valueText);
  if (!Number.isSafeInteger(value)) throw fail(`the rate value ${valueText} is too large.`);

  const singular = unitText.replace(/s$/, "") as RateUnit;
  if (!(singular in UNIT_MS)) {
    throw fail(
      `the rate unit must be minute(s), hour(s) or day(s), got "${unitText}"` +
        (/^(second|week|month|year)s?$/.test(unitText) ? " (for other periods use a cron() expression or a number of days)." : "."),
    );
  }
  if (value === 1 && unitText !== singular) throw fail(`with the value 1 the unit is singular: rate(1 ${singular}).`);
  if (value !== 1 && unitText === singular) throw fail(`with a value other than 1 the unit is plural: rate(${value} ${singular}s).`);
  return { kind: "rate", value, unit: singular, intervalMs: value * UNIT_MS[singular] };
}

/**
 * The first fire strictly after `after` for a rate schedule that started at
 * `start` (fires at start + k × interval, k ≥ 0).
 */
export function nextRateFire(ast: RateAst, start: Date, after: Date): Date | null {
  const startMs = start.getTime();
  const afterMs = after.getTime();
  const elapsed = afterMs - startMs;
  const k = elapsed < 0 ? 0 : Math.floor(elapsed / ast.intervalMs) + 1;
  const next = startMs + k * ast.intervalMs;
  return next > LATEST_DATE_MS ? null : new Date(next);
}
