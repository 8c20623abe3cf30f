/**
 * The parsed form of an EventBridge Scheduler expression. Parsing produces these;
 * matching and describing read them. No behaviour here.
 */

export type FieldName = "minutes" | "hours" | "day-of-month" | "month" | "day-of-week" | "year";

/** One comma-separated part of a cron field. Values are in the field's own numbering (day-of-week 1 = Sunday). */
export type CronItem =
  | { kind: "all" } // *
  | { kind: "value"; value: number } // 5, JAN, MON
  | { kind: "range"; from: number; to: number } // 1-15, MON-FRI
  | { kind: "step"; from: number; to: number; step: number; text: string }; // */15, 0/15, 10-30/5 (text as written, for describing)

export interface CronField {
  items: CronItem[];
  /** The values the items cover, ascending, within the field's limits. */
  values: number[];
}

/** Day-of-month: a plain field, `?`, `L` (last day) or `nW` (weekday nearest day n). */
export type DayOfMonth =
  | { kind: "any" }
  | { kind: "last" }
  | { kind: "nearest-weekday"; day: number }
  | ({ kind: "field" } & CronField);

/** Day-of-week (1 = Sunday): a plain field, `?`, `nL` (last n-day of the month) or `n#k` (k-th n-day). */
export type DayOfWeek =
  | { kind: "any" }
  | { kind: "last-of-month"; weekday: number }
  | { kind: "nth-of-month"; weekday: number; nth: number }
  | ({ kind: "field" } & CronField);

export interface CronAst {
  kind: "cron";
  minutes: CronField;
  hours: CronField;
  dayOfMonth: DayOfMonth;
  month: CronField;
  dayOfWeek: DayOfWeek;
  year: CronField;
}

export type RateUnit = "minute" | "hour" | "day";

export interface RateAst {
  kind: "rate";
  value: number;
  unit: RateUnit;
  intervalMs: number;
}

/** A wall-clock time in the schedule's time zone (month 1-12). */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface AtAst {
  kind: "at";
  local: LocalDateTime;
}

export type ScheduleAst = CronAst | RateAst | AtAst;
