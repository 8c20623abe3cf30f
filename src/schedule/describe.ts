/**
 * Schedules in words, so `letsgo-worker schedule` can show what an expression
 * means before it is deployed: "at 09:00 on the second Tuesday of every month
 * (America/New_York)".
 */
import { atInstant } from "./at.js";
import type { AtAst, CronAst, CronField, CronItem, RateAst, ScheduleAst } from "./types.js";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const NTH_WORDS = ["first", "second", "third", "fourth", "fifth"];

export function describeSchedule(ast: ScheduleAst, timezone: string): string {
  switch (ast.kind) {
    case "rate":
      return describeRate(ast);
    case "at":
      return describeAt(ast, timezone);
    case "cron":
      return describeCron(ast, timezone);
  }
}

function describeRate(ast: RateAst): string {
  const every = ast.value === 1 ? `every ${ast.unit}` : `every ${ast.value} ${ast.unit}s`;
  return `${every}, the first at once when the schedule starts`;
}

function describeAt(ast: AtAst, timezone: string): string {
  const { year, month, day, hour, minute, second } = ast.local;
  const when = `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
  const never = atInstant(ast, timezone) === null ? `; clocks skip that time there, so it never fires` : "";
  return `once, at ${when} (${timezone})${never}`;
}

function describeCron(ast: CronAst, timezone: string): string {
  const time = timeWords(ast);
  const day = dayWords(ast);
  const year = isAll(ast.year) ? "" : ` in ${list(ast.year.items.map((item) => itemWords(item, String, "year", 2199)))}`;
  // "every 15 minutes" already says every day; "at 09:00" does not.
  const dayPart = day.everyDay && !/^at \d\d:\d\d/.test(time) ? day.inMonths : ` ${day.text}`;
  return `${time}${dayPart}${year} (${timezone})`;
}

function timeWords(ast: CronAst): string {
  const { minutes, hours } = ast;
  const plain = (field: CronField) => field.items.every((item) => item.kind === "value");
  if (plain(minutes) && plain(hours) && minutes.values.length * hours.values.length <= 6) {
    const times = hours.values.flatMap((hour) => minutes.values.map((minute) => `${pad(hour)}:${pad(minute)}`));
    return `at ${list(times)}`;
  }

  const [onlyMinute] = minutes.items;
  let minutePart: string;
  if (minutes.items.length === 1 && onlyMinute!.kind === "all") {
    minutePart = "every minute";
  } else if (minutes.items.length === 1 && onlyMinute!.kind === "step") {
    const { from, to, step } = onlyMinute!;
    minutePart = `every ${step} minutes` + (from !== 0 ? ` from minute ${from}` : "") + (to !== 59 ? ` through minute ${to}` : "");
  } else {
    minutePart = `at minute${minutes.values.length === 1 ? "" : "s"} ${list(minutes.items.map((item) => itemWords(item, String, "minute", 59)))}`;
  }

  if (isAll(hours)) return minutePart.startsWith("at") ? `${minutePart} past every hour` : minutePart;
  const hourPhrase =
    hours.items.length === 1 && hours.items[0]!.kind === "step"
      ? itemWords(hours.items[0]!, String, "hour", 23)
      : `${hours.values.length === 1 ? "hour" : "hours"} ${list(hours.items.map((item) => itemWords(item, String, "hour", 23)))}`;
  return minutePart.startsWith("at") ? `${minutePart} past ${hourPhrase}` : `${minutePart} during ${hourPhrase}`;
}

function dayWords(ast: CronAst): { text: string; everyDay: boolean; inMonths: string } {
  const monthList = list(ast.month.items.map((item) => itemWords(item, (month) => MONTHS[month - 1]!, "month", 12)));
  const ofMonths = isAll(ast.month) ? "of every month" : `of ${monthList}`;
  const inMonths = isAll(ast.month) ? "" : ` in ${monthList}`;
  const everyDay = { text: `every day${inMonths}`, everyDay: true, inMonths };
  const dom = ast.dayOfMonth;
  const dow = ast.dayOfWeek;
  const words = (text: string) => ({ text, everyDay: false, inMonths });

  if (dom.kind === "last") return words(`on the last day ${ofMonths}`);
  if (dom.kind === "nearest-weekday") return words(`on the weekday nearest the ${ordinal(dom.day)} ${ofMonths}`);
  if (dom.kind === "field") {
    if (isAll(dom)) return everyDay;
    const days = dom.items.map((item) =>
      item.kind === "step"
        ? `every ${ordinal(item.step)} day from the ${ordinal(item.from)}${item.to !== 31 ? ` through the ${ordinal(item.to)}` : ""}`
        : `the ${itemWords(item, ordinal, "day", 31)}`,
    );
    return words(`on ${list(days)} ${ofMonths}`);
  }
  if (dow.kind === "last-of-month") return words(`on the last ${WEEKDAYS[dow.weekday - 1]} ${ofMonths}`);
  if (dow.kind === "nth-of-month") return words(`on the ${NTH_WORDS[dow.nth - 1]} ${WEEKDAYS[dow.weekday - 1]} ${ofMonths}`);
  if (dow.kind === "field") {
    if (isAll(dow)) return everyDay;
    return words(`on ${list(dow.items.map((item) => itemWords(item, (day) => WEEKDAYS[day - 1]!, "day", 7)))}${inMonths}`);
  }
  return everyDay;
}

function itemWords(item: CronItem, name: (value: number) => string, unit: string, max: number): string {
  switch (item.kind) {
    case "all":
      return `every ${unit}`;
    case "value":
      return name(item.value);
    case "range":
      return `${name(item.from)} through ${name(item.to)}`;
    case "step":
      return `every ${ordinal(item.step)} ${unit} from ${name(item.from)}${item.to === max ? "" : ` through ${name(item.to)}`}`;
  }
}

function isAll(field: CronField): boolean {
  return field.items.length === 1 && field.items[0]!.kind === "all";
}

function list(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th"}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
