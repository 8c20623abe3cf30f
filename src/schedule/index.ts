/**
 * EventBridge Scheduler expressions, one implementation for `dev` (arms a timer
 * with `next()`), `deploy` (validates before calling AWS) and `schedule` (shows
 * the next fire times). Pure and dependency-free: safe to bundle anywhere.
 */
import { nextAtFire, parseAt } from "./at.js";
import { nextCronFire } from "./cron-next.js";
import { parseCron } from "./cron-parse.js";
import { describeSchedule } from "./describe.js";
import { invalidSchedule, ScheduleError } from "./errors.js";
import { nextRateFire, parseRate } from "./rate.js";
import type { ScheduleAst } from "./types.js";
import { validateTimeZone } from "./zone.js";

export interface ScheduleOptions {
  /**
   * For rate() only: when the schedule started (created or updated), which is
   * what EventBridge Scheduler counts from. The first fire is the start itself
   * (Scheduler invokes at once), then every interval. Without it, each
   * `next(after)` counts from `after`, as if started then.
   */
  start?: Date;
}

export interface Schedule {
  readonly expression: string;
  readonly timezone: string;
  readonly kind: ScheduleAst["kind"];
  readonly ast: ScheduleAst;
  /** The first fire time strictly after `after`, or null if it never fires again. */
  next(after: Date): Date | null;
  /** Up to `count` fire times after `after`, in order (fewer if the schedule ends). */
  nextN(after: Date, count: number): Date[];
  /** The schedule in words, with its time zone. */
  describe(): string;
}

/**
 * Parse and validate an expression the way EventBridge Scheduler would; throws a
 * ScheduleError that names the problem. An empty expression is an error here:
 * use `parseScheduleSetting` where empty means "scheduling disabled".
 */
export function parseSchedule(expression: string, timezone = "UTC", options: ScheduleOptions = {}): Schedule {
  validateTimeZone(timezone);
  const ast = parseAst(expression.trim());
  const next = (after: Date): Date | null => {
    if (Number.isNaN(after.getTime())) throw new TypeError("Schedule.next() needs a valid Date.");
    switch (ast.kind) {
      case "cron":
        return nextCronFire(ast, timezone, after);
      case "rate":
        return nextRateFire(ast, options.start ?? after, after);
      case "at":
        return nextAtFire(ast, timezone, after);
    }
  };
  return {
    expression: expression.trim(),
    timezone,
    kind: ast.kind,
    ast,
    next,
    nextN(after, count) {
      const fires: Date[] = [];
      let cursor: Date | null = after;
      while (fires.length < count && (cursor = next(cursor)) !== null) fires.push(cursor);
      return fires;
    },
    describe: () => describeSchedule(ast, timezone),
  };
}

/** The LETSGO_WORKER_SCHEDULE setting: null when empty (scheduling disabled). */
export function parseScheduleSetting(expression: string, timezone = "UTC", options: ScheduleOptions = {}): Schedule | null {
  return expression.trim() === "" ? null : parseSchedule(expression, timezone, options);
}

function parseAst(expression: string): ScheduleAst {
  if (expression === "") {
    throw new ScheduleError("The schedule expression is empty. Use rate(...), cron(...) or at(...); an empty LETSGO_WORKER_SCHEDULE disables scheduling.");
  }
  const match = /^([A-Za-z]+)\((.*)\)$/s.exec(expression);
  const form = match?.[1];
  if (!match || !["rate", "cron", "at"].includes(form!.toLowerCase())) {
    throw invalidSchedule(expression, `expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss).`);
  }
  if (form !== form!.toLowerCase()) throw invalidSchedule(expression, `write ${form!.toLowerCase()}(...) in lower case.`);
  const body = match[2]!;
  if (form === "rate") return parseRate(expression, body);
  if (form === "cron") return parseCron(expression, body);
  return parseAt(expression, body);
}

export { ScheduleError, ScheduledHandlerError } from "./errors.js";
export { validateTimeZone, formatLocalIso } from "./zone.js";
export type { ScheduleAst, CronAst, RateAst, AtAst } from "./types.js";
