/**
 * EventBridge Scheduler expressions: next fire times worked out by hand from the
 * AWS documentation (weekdays checked against a calendar), including `L`, `W`,
 * `#`, weekday numbering (1 = Sunday), names, steps, year limits, at(), rate()
 * and daylight-saving days.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSchedule, parseScheduleSetting } from "../src/schedule/index.js";

interface FireCase {
  name: string;
  expression: string;
  timezone?: string;
  after: string;
  /** rate() only: when the schedule started. */
  start?: string;
  /** The fire times after `after`, in UTC; fewer than `count` means the schedule ends. */
  expected: string[];
  count?: number;
}

const NY = "America/New_York";

const FIRE_CASES: FireCase[] = [
  // L in day-of-month: the last day, whatever the month's length.
  { name: "L: last day of each month", expression: "cron(0 5 L * ? *)", after: "2026-01-15T00:00:00Z",
    expected: ["2026-01-31T05:00:00Z", "2026-02-28T05:00:00Z", "2026-03-31T05:00:00Z", "2026-04-30T05:00:00Z"] },
  { name: "L: leap-year February, then the year field ends it", expression: "cron(0 0 L 2 ? 2028)", after: "2026-01-01T00:00:00Z",
    expected: ["2028-02-29T00:00:00Z"], count: 3 },

  // W: nearest weekday, never leaving the month.
  { name: "1W: Saturday 1 Aug 2026 moves to Monday the 3rd, not Friday 31 July", expression: "cron(0 10 1W * ? *)",
    after: "2026-07-15T00:00:00Z", expected: ["2026-08-03T10:00:00Z", "2026-09-01T10:00:00Z"] },
  { name: "31W: Sunday 31 May moves back to Friday the 29th; June has no 31st", expression: "cron(0 10 31W * ? *)",
    after: "2026-05-01T00:00:00Z", expected: ["2026-05-29T10:00:00Z", "2026-07-31T10:00:00Z", "2026-08-31T10:00:00Z"] },
  { name: "15W: Saturday 15 Aug moves to Friday the 14th", expression: "cron(0 10 15W * ? *)",
    after: "2026-08-01T00:00:00Z", expected: ["2026-08-14T10:00:00Z"], count: 1 },
  { name: "15W: Sunday 15 Nov moves to Monday the 16th", expression: "cron(0 10 15W * ? *)",
    after: "2026-11-01T00:00:00Z", expected: ["2026-11-16T10:00:00Z"], count: 1 },
  { name: "15W: Friday 15 May stays", expression: "cron(0 10 15W * ? *)",
    after: "2026-05-01T00:00:00Z", expected: ["2026-05-15T10:00:00Z"], count: 1 },

  // L and # in day-of-week.
  { name: "6L: last Friday of the month", expression: "cron(0 18 ? * 6L *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-30T18:00:00Z", "2026-02-27T18:00:00Z", "2026-03-27T18:00:00Z", "2026-04-24T18:00:00Z"] },
  { name: "FRIL: a name works like 6L", expression: "cron(0 18 ? * FRIL *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-30T18:00:00Z"], count: 1 },
  { name: "L alone in day-of-week: the last day of the week, Saturday", expression: "cron(0 12 ? * L *)",
    after: "2026-01-01T00:00:00Z", expected: ["2026-01-03T12:00:00Z", "2026-01-10T12:00:00Z"] },
  { name: "3#2: second Tuesday, across the DST change", expression: "cron(0 9 ? * 3#2 *)", timezone: NY,
    after: "2026-01-01T00:00:00Z", expected: ["2026-01-13T14:00:00Z", "2026-02-10T14:00:00Z", "2026-03-10T13:00:00Z"] },
  { name: "TUE#2: a name works like 3#2", expression: "cron(0 9 ? * TUE#2 *)", timezone: NY,
    after: "2026-01-01T00:00:00Z", expected: ["2026-01-13T14:00:00Z"], count: 1 },
  { name: "2#5: months without a fifth Monday are skipped", expression: "cron(0 0 ? * 2#5 *)",
    after: "2026-01-01T00:00:00Z", expected: ["2026-03-30T00:00:00Z", "2026-06-29T00:00:00Z"] },

  // Weekday numbering and names: 1 = Sunday.
  { name: "day-of-week 2 is Monday", expression: "cron(0 12 ? * 2 *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-05T12:00:00Z", "2026-01-12T12:00:00Z"] },
  { name: "day-of-week 1 is Sunday", expression: "cron(0 12 ? * 1 *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-04T12:00:00Z"], count: 1 },
  { name: "MON-FRI skips the weekend", expression: "cron(0 8 ? * MON-FRI *)", after: "2026-01-02T09:00:00Z",
    expected: ["2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z", "2026-01-08T08:00:00Z", "2026-01-09T08:00:00Z", "2026-01-12T08:00:00Z"] },
  { name: "2-6 is the same as MON-FRI", expression: "cron(0 8 ? * 2-6 *)", after: "2026-01-02T09:00:00Z",
    expected: ["2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"] },
  { name: "SAT,SUN", expression: "cron(30 7 ? * SAT,SUN *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-03T07:30:00Z", "2026-01-04T07:30:00Z", "2026-01-10T07:30:00Z"] },

  // Months by name.
  { name: "JAN,JUL", expression: "cron(0 0 1 JAN,JUL ? *)", after: "2026-02-01T00:00:00Z",
    expected: ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z"] },
  { name: "MAR-MAY in one year, then nothing", expression: "cron(0 0 1 MAR-MAY ? 2026)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"], count: 5 },
  { name: "day 31 only in months that have one", expression: "cron(0 0 31 * ? *)", after: "2026-04-01T00:00:00Z",
    expected: ["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"] },

  // Steps.
  { name: "0/15: every quarter hour", expression: "cron(0/15 * * * ? *)", after: "2026-01-01T00:07:00Z",
    expected: ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"] },
  { name: "after is exclusive", expression: "cron(0/15 * * * ? *)", after: "2026-01-01T00:15:00Z",
    expected: ["2026-01-01T00:30:00Z"], count: 1 },
  { name: "1/10: minutes 1, 11, 21, ... (the AWS documentation's example)", expression: "cron(1/10 * * * ? *)",
    after: "2026-01-01T00:05:00Z", expected: ["2026-01-01T00:11:00Z", "2026-01-01T00:21:00Z", "2026-01-01T00:31:00Z", "2026-01-01T00:41:00Z", "2026-01-01T00:51:00Z", "2026-01-01T01:01:00Z"] },
  { name: "*/20 starts at 0", expression: "cron(*/20 9 * * ? *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-01T09:00:00Z", "2026-01-01T09:20:00Z", "2026-01-01T09:40:00Z", "2026-01-02T09:00:00Z"] },
  { name: "range with step in hours", expression: "cron(0 8-17/3 * * ? *)", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-01T08:00:00Z", "2026-01-01T11:00:00Z", "2026-01-01T14:00:00Z", "2026-01-01T17:00:00Z", "2026-01-02T08:00:00Z"] },
  { name: "day-of-month step 1/10", expression: "cron(0 0 1/10 * ? *)", after: "2026-02-02T00:00:00Z",
    expected: ["2026-02-11T00:00:00Z", "2026-02-21T00:00:00Z", "2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z", "2026-03-21T00:00:00Z", "2026-03-31T00:00:00Z"] },
  { name: "year step", expression: "cron(0 0 1 1 ? 2026/3)", after: "2026-06-01T00:00:00Z",
    expected: ["2029-01-01T00:00:00Z", "2032-01-01T00:00:00Z"] },

  // Year field limits.
  { name: "year 2199 is the last", expression: "cron(0 0 1 1 ? 2199)", after: "2026-01-01T00:00:00Z",
    expected: ["2199-01-01T00:00:00Z"], count: 2 },
  { name: "nothing after the last minute of 2199", expression: "cron(59 23 31 12 ? *)", after: "2199-12-31T23:59:00Z",
    expected: [], count: 1 },
  { name: "a year range in the past never fires", expression: "cron(0 0 * * ? 1970-2000)", after: "2026-01-01T00:00:00Z",
    expected: [], count: 1 },

  // at(): once, on the zone's wall clock.
  { name: "at() fires once", expression: "at(2026-06-01T09:00:00)", timezone: NY, after: "2026-01-01T00:00:00Z",
    expected: ["2026-06-01T13:00:00Z"], count: 3 },
  { name: "at() does not fire again at its own time", expression: "at(2026-06-01T09:00:00)", timezone: NY,
    after: "2026-06-01T13:00:00Z", expected: [], count: 1 },
  { name: "at() in UTC", expression: "at(2030-12-31T23:59:59)", after: "2026-01-01T00:00:00Z",
    expected: ["2030-12-31T23:59:59Z"], count: 2 },
  { name: "at() at a time clocks skip never fires", expression: "at(2026-03-08T02:30:00)", timezone: NY,
    after: "2026-01-01T00:00:00Z", expected: [], count: 1 },
  { name: "at() at a repeated time fires the first time", expression: "at(2026-11-01T01:30:00)", timezone: NY,
    after: "2026-01-01T00:00:00Z", expected: ["2026-11-01T05:30:00Z"], count: 2 },

  // rate(): elapsed time from the start; the first fire is the start itself (Scheduler invokes at once).
  { name: "rate(1 hour) fires at its start, then every hour", expression: "rate(1 hour)", start: "2026-01-01T00:00:00Z", after: "2025-12-31T23:59:59.999Z",
    expected: ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"] },
  { name: "rate(1 hour) after its start's fire", expression: "rate(1 hour)", start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"] },
  { name: "rate(1 hour) keeps the start's phase", expression: "rate(1 hour)", start: "2026-01-01T00:10:00Z",
    after: "2026-01-01T05:30:00Z", expected: ["2026-01-01T06:10:00Z", "2026-01-01T07:10:00Z"] },
  { name: "rate() before its start fires first at the start", expression: "rate(5 minutes)", start: "2026-01-01T00:00:00Z",
    after: "2025-12-01T00:00:00Z", expected: ["2026-01-01T00:00:00Z"], count: 1 },
  { name: "rate() without a start counts from after", expression: "rate(5 minutes)", after: "2026-01-01T00:02:30Z",
    expected: ["2026-01-01T00:07:30Z", "2026-01-01T00:12:30Z"] },
  { name: "rate(1 day) is 24 hours, also across a DST change", expression: "rate(1 day)", timezone: NY,
    start: "2026-03-07T12:00:00Z", after: "2026-03-07T12:00:00Z", expected: ["2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"] },
  { name: "rate(2 days)", expression: "rate(2 days)", start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
    expected: ["2026-01-03T00:00:00Z"], count: 1 },

  // Daylight saving in America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
  { name: "spring forward: 02:30 does not exist on 8 March, so that day does not fire", expression: "cron(30 2 * * ? *)", timezone: NY,
    after: "2026-03-07T00:00:00Z", expected: ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"] },
  { name: "spring forward: hourly skips 02:00", expression: "cron(0 * * * ? *)", timezone: NY,
    after: "2026-03-08T05:30:00Z", expected: ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"] },
  { name: "fall back: 01:30 happens twice on 1 November and fires once", expression: "cron(30 1 * * ? *)", timezone: NY,
    after: "2026-10-31T00:00:00Z", expected: ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"] },
  { name: "fall back: not again during the repeated hour", expression: "cron(30 1 * * ? *)", timezone: NY,
    after: "2026-11-01T05:30:00Z", expected: ["2026-11-02T06:30:00Z"], count: 1 },
  { name: "fall back: hourly fires for 01:00 once, then 02:00 EST", expression: "cron(0 * * * ? *)", timezone: NY,
    after: "2026-11-01T04:30:00Z", expected: ["2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"] },
  { name: "fall back: from inside the repeated hour", expression: "cron(0/20 * * * ? *)", timezone: NY,
    after: "2026-11-01T06:10:00Z", expected: ["2026-11-01T07:00:00Z", "2026-11-01T07:20:00Z"] },
  { name: "Europe/Berlin: Sunday 29 March 02:30 does not exist", expression: "cron(30 2 ? * SUN *)", timezone: "Europe/Berlin",
    after: "2026-03-21T00:00:00Z", expected: ["2026-03-22T01:30:00Z", "2026-04-05T00:30:00Z"] },
  { name: "a zone east of UTC: Asia/Tokyo 09:00 is 00:00 UTC", expression: "cron(0 9 * * ? *)", timezone: "Asia/Tokyo",
    after: "2026-01-01T00:00:00Z", expected: ["2026-01-02T00:00:00Z"], count: 1 },
  { name: "the local day, not the UTC day, picks the weekday", expression: "cron(0 20 ? * MON *)", timezone: NY,
    after: "2026-01-01T00:00:00Z", expected: ["2026-01-06T01:00:00Z"], count: 1 },
];

describe("Function: parseSchedule(...).nextN", () => {
  for (const row of FIRE_CASES) {
    it(`${row.name}: ${row.expression}${row.timezone ? ` in ${row.timezone}` : ""}`, () => {
      // Prepare
      const schedule = parseSchedule(row.expression, row.timezone, row.start ? { start: new Date(row.start) } : {});
      // Act
      const fires = schedule.nextN(new Date(row.after), row.count ?? row.expected.length);
      // Assess
      assert.deepEqual(
        fires.map((fire) => fire.toISOString()),
        row.expected.map((iso) => new Date(iso).toISOString()),
      );
    });
  }
});

describe("Function: parseSchedule(...).next", () => {
  it("returns null once an at() schedule has fired", () => {
    const schedule = parseSchedule("at(2026-06-01T09:00:00)");
    const first = schedule.next(new Date("2026-01-01T00:00:00Z"));
    assert.equal(first?.toISOString(), "2026-06-01T09:00:00.000Z");
    assert.equal(schedule.next(first!), null);
  });

  it("fires at whole minutes even when after has seconds", () => {
    const next = parseSchedule("cron(* * * * ? *)").next(new Date("2026-01-01T00:00:30.500Z"));
    assert.equal(next?.toISOString(), "2026-01-01T00:01:00.000Z");
  });

  it("defaults to UTC", () => {
    const schedule = parseSchedule("cron(0 12 * * ? *)");
    assert.equal(schedule.timezone, "UTC");
    assert.equal(schedule.next(new Date("2026-01-01T00:00:00Z"))?.toISOString(), "2026-01-01T12:00:00.000Z");
  });
});

describe("Function: parseSchedule(...).describe", () => {
  const cases: [expression: string, timezone: string, words: string][] = [
    ["cron(0 9 ? * 3#2 *)", NY, "at 09:00 on the second Tuesday of every month (America/New_York)"],
    ["cron(0 8 ? * MON-FRI *)", "UTC", "at 08:00 on Monday through Friday (UTC)"],
    ["cron(0/15 * * * ? *)", "UTC", "every 15 minutes (UTC)"],
    ["cron(* * * * ? *)", "UTC", "every minute (UTC)"],
    ["cron(0 * * * ? *)", "UTC", "at minute 0 past every hour (UTC)"],
    ["cron(0 9-17 ? * MON-FRI *)", "UTC", "at minute 0 past hours 9 through 17 on Monday through Friday (UTC)"],
    ["cron(0 5 L * ? *)", "UTC", "at 05:00 on the last day of every month (UTC)"],
    ["cron(0 18 ? * 6L *)", "UTC", "at 18:00 on the last Friday of every month (UTC)"],
    ["cron(0 10 15W * ? *)", "UTC", "at 10:00 on the weekday nearest the 15th of every month (UTC)"],
    ["cron(0 0 1 JAN,JUL ? *)", "UTC", "at 00:00 on the 1st of January and July (UTC)"],
    ["cron(0 12 * * ? *)", "Europe/Berlin", "at 12:00 every day (Europe/Berlin)"],
    ["cron(0 12 * 12 ? 2026)", "UTC", "at 12:00 every day in December in 2026 (UTC)"],
    ["cron(0,30 8 ? * SAT,SUN *)", "UTC", "at 08:00 and 08:30 on Saturday and Sunday (UTC)"],
    ["rate(1 hour)", "UTC", "every hour, the first at once when the schedule starts"],
    ["rate(5 minutes)", "UTC", "every 5 minutes, the first at once when the schedule starts"],
    ["at(2026-06-01T09:00:00)", NY, "once, at 2026-06-01 09:00:00 (America/New_York)"],
    ["at(2026-03-08T02:30:00)", NY, "once, at 2026-03-08 02:30:00 (America/New_York); clocks skip that time there, so it never fires"],
  ];
  for (const [expression, timezone, words] of cases) {
    it(`${expression} in ${timezone}`, () => {
      assert.equal(parseSchedule(expression, timezone).describe(), words);
    });
  }
});

describe("Function: parseScheduleSetting", () => {
  it("returns null for an empty setting: scheduling is disabled", () => {
    assert.equal(parseScheduleSetting(""), null);
    assert.equal(parseScheduleSetting("   "), null);
  });

  it("parses a non-empty one, trimming blanks", () => {
    const schedule = parseScheduleSetting(" rate(1 hour) ", "UTC");
    assert.equal(schedule?.kind, "rate");
    assert.equal(schedule?.expression, "rate(1 hour)");
  });
});
