/**
 * The grammar of `cron(minutes hours day-of-month month day-of-week year)` exactly
 * as the EventBridge Scheduler documentation gives it, field by field:
 *
 *   minutes       0-59               , - * /
 *   hours         0-23               , - * /
 *   day-of-month  1-31               , - * ? / L W
 *   month         1-12 or JAN-DEC    , - * /
 *   day-of-week   1-7 or SUN-SAT     , - * ? L #     (1 = Sunday)
 *   year          1970-2199          , - * /
 *
 * Exactly one of the two day fields is `?`. Where the documentation is silent we
 * take the stricter reading (so nothing passes here and then fails at deploy):
 * `L`, `nW`, `nL` and `n#k` stand alone in their field; ranges run forwards;
 * names are written in capitals; a step is at most the field's largest value.
 */
import { invalidSchedule } from "./errors.js";
import type { CronAst, CronField, CronItem, DayOfMonth, DayOfWeek, FieldName } from "./types.js";

export const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
export const WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

interface FieldSpec {
  name: FieldName;
  min: number;
  max: number;
  /** Largest step after `/`; undefined when `/` is not allowed. */
  maxStep?: number;
  names?: readonly string[];
  wildcards: string;
}

const SPECS: Record<FieldName, FieldSpec> = {
  minutes: { name: "minutes", min: 0, max: 59, maxStep: 59, wildcards: ", - * /" },
  hours: { name: "hours", min: 0, max: 23, maxStep: 23, wildcards: ", - * /" },
  "day-of-month": { name: "day-of-month", min: 1, max: 31, maxStep: 31, wildcards: ", - * ? / L W" },
  month: { name: "month", min: 1, max: 12, maxStep: 12, names: MONTH_NAMES, wildcards: ", - * /" },
  "day-of-week": { name: "day-of-week", min: 1, max: 7, names: WEEKDAY_NAMES, wildcards: ", - * ? L #" },
  year: { name: "year", min: 1970, max: 2199, maxStep: 229, wildcards: ", - * /" },
};

const FIELD_ORDER = "cron(minutes hours day-of-month month day-of-week year)";

export function parseCron(expression: string, body: string): CronAst {
  const fail = (reason: string) => invalidSchedule(expression, reason);
  const fields = body.trim() === "" ? [] : body.trim().split(/\s+/);
  if (fields.length !== 6) throw fail(fieldCountReason(fields));
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];

  const ast: CronAst = {
    kind: "cron",
    minutes: parseField(minutes, SPECS.minutes, fail),
    hours: parseField(hours, SPECS.hours, fail),
    dayOfMonth: parseDayOfMonth(dayOfMonth, fail),
    month: parseField(month, SPECS.month, fail),
    dayOfWeek: parseDayOfWeek(dayOfWeek, fail),
    year: parseField(year, SPECS.year, fail),
  };

  const domAny = ast.dayOfMonth.kind === "any";
  const dowAny = ast.dayOfWeek.kind === "any";
  if (domAny && dowAny) {
    throw fail(
      `day-of-month and day-of-week are both "?"; exactly one of them must be "?" and the other must say which days ` +
        `(for every day: cron(${minutes} ${hours} * ${month} ? ${year})).`,
    );
  }
  if (!domAny && !dowAny) {
    throw fail(
      `day-of-month "${dayOfMonth}" and day-of-week "${dayOfWeek}" are both set; EventBridge needs "?" in one of them ` +
        `(for example cron(${minutes} ${hours} ${dayOfMonth} ${month} ? ${year}) or cron(${minutes} ${hours} ? ${month} ${dayOfWeek} ${year})).`,
    );
  }
  return ast;
}

function fieldCountReason(fields: string[]): string {
  const got = `got ${fields.length}${fields.length ? ` ("${fields.join(" ")}")` : ""}`;
  if (fields.length === 5) {
    return (
      `cron() needs 6 fields, ${FIELD_ORDER}; ${got}. This looks like a Unix crontab line: ` +
      `EventBridge adds a year field, needs "?" in day-of-month or day-of-week, and numbers weekdays 1 = Sunday ` +
      `(midnight every Monday is cron(0 0 ? * MON *)).`
    );
  }
  if (fields.length === 7) {
    return `cron() needs 6 fields, ${FIELD_ORDER}; ${got}. EventBridge has no seconds field.`;
  }
  return `cron() needs 6 fields, ${FIELD_ORDER}; ${got}.`;
}

type Fail = (reason: string) => Error;

function parseDayOfMonth(text: string, fail: Fail): DayOfMonth {
  const where = `day-of-month "${text}"`;
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "last" };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw fail(`${where}: W needs a day 1-31 before it, like 15W.`);
    return { kind: "nearest-weekday", day };
  }
  if (text === "LW" || /^L-/.test(text)) {
    throw fail(`${where}: EventBridge Scheduler documents L (last day) and nW (weekday nearest day n) only.`);
  }
  if (text.includes("?")) throw fail(`${where}: "?" must be the whole field.`);
  if (text.includes("L")) throw fail(`${where}: L (last day of the month) must be the whole field.`);
  if (text.includes("W")) throw fail(`${where}: nW (weekday nearest day n) must be the whole field, with one day, like 15W.`);
  return { kind: "field", ...parseField(text, SPECS["day-of-month"], fail) };
}

function parseDayOfWeek(text: string, fail: Fail): DayOfWeek {
  const spec = SPECS["day-of-week"];
  const where = `day-of-week "${text}"`;
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "field", items: [{ kind: "value", value: 7 }], values: [7] }; // last day of the week: Saturday
  const last = /^(.+)L$/.exec(text);
  if (last && !/[,#\-*/]/.test(text)) {
    return { kind: "last-of-month", weekday: parseValue(last[1]!, spec, where, fail) };
  }
  const nth = /^([^#]+)#(.*)$/.exec(text);
  if (nth && !/[,\-*/L]/.test(text)) {
    const weekday = parseValue(nth[1]!, spec, where, fail);
    if (!/^[1-5]$/.test(nth[2]!)) throw fail(`${where}: the number after # is which week of the month and must be 1-5.`);
    return { kind: "nth-of-month", weekday, nth: Number(nth[2]) };
  }
  if (text.includes("#")) {
    throw fail(`${where}: a # expression (like 3#2, the second Tuesday) must be the whole field; EventBridge allows only one.`);
  }
  if (text.includes("?")) throw fail(`${where}: "?" must be the whole field.`);
  if (text.includes("L")) {
    throw fail(`${where}: L (like 6L, the last Friday of the month) must be the whole field.`);
  }
  return { kind: "field", ...parseField(text, spec, fail) };
}

function parseField(text: string, spec: FieldSpec, fail: Fail): CronField {
  const where = `${spec.name} "${text}"`;
  if (text.includes("?")) {
    throw fail(`${where}: "?" is only allowed in day-of-month or day-of-week.`);
  }
  const items = text.split(",").map((item) => {
    if (item === "") throw fail(`${where}: empty item in the comma-separated list.`);
    return parseItem(item, spec, where, fail);
  });
  const values = new Set<number>();
  for (const item of items) for (const value of itemValues(item, spec)) values.add(value);
  return { items, values: [...values].sort((a, b) => a - b) };
}

function parseItem(item: string, spec: FieldSpec, where: string, fail: Fail): CronItem {
  if (item === "*") return { kind: "all" };
  const slash = item.split("/");
  if (slash.length > 2) throw fail(`${where}: "${item}" has more than one "/".`);
  if (slash.length === 2) {
    if (spec.maxStep === undefined) throw fail(`${where}: "/" is not allowed in ${spec.name} (allowed: ${spec.wildcards}).`);
    const [base, stepText] = slash as [string, string];
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > spec.maxStep) {
      throw fail(`${where}: the step after "/" must be a whole number from 1 to ${spec.maxStep}, got "${stepText}".`);
    }
    const step = Number(stepText);
    if (base === "*") return { kind: "step", from: spec.min, to: spec.max, step, text: item };
    const range = parseRange(base, spec, where, fail);
    if (range.kind === "value") return { kind: "step", from: range.value, to: spec.max, step, text: item };
    if (range.kind === "range") return { kind: "step", from: range.from, to: range.to, step, text: item };
  }
  return parseRange(item, spec, where, fail);
}

function parseRange(text: string, spec: FieldSpec, where: string, fail: Fail): CronItem {
  const parts = text.split("-");
  if (parts.length === 1) return { kind: "value", value: parseValue(text, spec, where, fail) };
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw fail(`${where}: "${text}" is not a value or a range like ${spec.names ? `${spec.names[0]}-${spec.names[2]}` : `${spec.min}-${spec.min + 5}`}.`);
  }
  const from = parseValue(parts[0]!, spec, where, fail);
  const to = parseValue(parts[1]!, spec, where, fail);
  if (from > to) {
    throw fail(`${where}: the range ${text} runs backwards; ranges go from low to high (write two, like ${parts[0]}-${spec.names ? spec.names[spec.names.length - 1] : spec.max},${spec.names ? spec.names[0] : spec.min}-${parts[1]}).`);
  }
  return { kind: "range", from, to };
}

function parseValue(text: string, spec: FieldSpec, where: string, fail: Fail): number {
  const allowed =
    `${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ""}` +
    (spec.name === "day-of-week" ? " (1 = Sunday)" : "");
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) throw fail(`${where}: ${text} is out of range; ${spec.name} takes ${allowed}.`);
    return value;
  }
  if (spec.names && /^[A-Za-z]+$/.test(text)) {
    const index = spec.names.indexOf(text.toUpperCase());
    if (index !== -1 && text !== text.toUpperCase()) throw fail(`${where}: write names in capitals: ${text.toUpperCase()}.`);
    if (index !== -1) return spec.min + index;
  }
  throw fail(`${where}: "${text}" is not allowed; ${spec.name} takes ${allowed} with the wildcards ${spec.wildcards}.`);
}

function itemValues(item: CronItem, spec: FieldSpec): number[] {
  switch (item.kind) {
    case "all":
      return range(spec.min, spec.max, 1);
    case "value":
      return [item.value];
    case "range":
      return range(item.from, item.to, 1);
    case "step":
      return range(item.from, item.to, item.step);
  }
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let value = from; value <= to; value += step) out.push(value);
  return out;
}
