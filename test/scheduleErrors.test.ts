/**
 * Expressions and time zones EventBridge Scheduler rejects: each must be rejected
 * here too, with a ScheduleError whose message names the problem.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSchedule, ScheduleError } from "../src/schedule/index.js";
import { SettingsError } from "../src/errors.js";

const INVALID_EXPRESSIONS: [expression: string, reason: RegExp][] = [
  ["", /empty/],
  ["every hour", /expected rate\(value unit\), cron\(.*\) or at\(/],
  ["cron(0 0 1 * ? *", /expected rate/],
  ["CRON(0 0 1 * ? *)", /write cron\(\.\.\.\) in lower case/],
  // Field count: LetsGo's own docs example is a 5-field Unix line.
  ["cron(0 0 * * 1)", /needs 6 fields.*got 5.*Unix crontab.*1 = Sunday/],
  ["cron(0 0 0 * * ? *)", /needs 6 fields.*got 7.*no seconds field/],
  ["cron()", /needs 6 fields.*got 0/],
  // The ? rule: exactly one of the day fields.
  ["cron(0 0 * * * *)", /day-of-month "\*" and day-of-week "\*" are both set.*"\?" in one of them/],
  ["cron(0 0 1 * MON *)", /day-of-month "1" and day-of-week "MON" are both set/],
  ["cron(0 0 ? * ? *)", /both "\?"; exactly one of them must be "\?"/],
  ["cron(? 0 * * ? *)", /minutes "\?": "\?" is only allowed in day-of-month or day-of-week/],
  ["cron(0 0 1,? * ? *)", /day-of-month "1,\?": "\?" must be the whole field/],
  // Ranges of values.
  ["cron(60 0 * * ? *)", /minutes "60": 60 is out of range; minutes takes 0-59/],
  ["cron(0 24 * * ? *)", /hours "24": 24 is out of range; hours takes 0-23/],
  ["cron(0 0 32 * ? *)", /day-of-month "32": 32 is out of range; day-of-month takes 1-31/],
  ["cron(0 0 0 * ? *)", /day-of-month "0": 0 is out of range/],
  ["cron(0 0 1 13 ? *)", /month "13": 13 is out of range; month takes 1-12 or JAN-DEC/],
  ["cron(0 0 ? * 0 *)", /day-of-week "0": 0 is out of range; day-of-week takes 1-7 or SUN-SAT \(1 = Sunday\)/],
  ["cron(0 0 ? * 8 *)", /day-of-week "8": 8 is out of range/],
  ["cron(0 0 1 1 ? 1969)", /year "1969": 1969 is out of range; year takes 1970-2199/],
  ["cron(0 0 1 1 ? 2200)", /year "2200": 2200 is out of range/],
  ["cron(-1 0 * * ? *)", /minutes "-1"/],
  ["cron(0 22-2 * * ? *)", /hours "22-2": the range 22-2 runs backwards/],
  ["cron(0 0 1,,2 * ? *)", /empty item/],
  ["cron(0 0 1- * ? *)", /"1-" is not a value or a range/],
  // Names.
  ["cron(0 0 ? * mon *)", /write names in capitals: MON/],
  ["cron(0 0 1 JANUARY ? *)", /month "JANUARY": "JANUARY" is not allowed; month takes 1-12 or JAN-DEC/],
  ["cron(0 MON * * ? *)", /hours "MON": "MON" is not allowed; hours takes 0-23/],
  // Steps.
  ["cron(*/60 * * * ? *)", /minutes "\*\/60": the step after "\/" must be a whole number from 1 to 59/],
  ["cron(0/0 * * * ? *)", /step after "\/" must be a whole number from 1 to 59, got "0"/],
  ["cron(0 */24 * * ? *)", /hours "\*\/24": the step .* from 1 to 23/],
  ["cron(0 0 ? * 1/2 *)", /day-of-week "1\/2": "\/" is not allowed in day-of-week/],
  ["cron(0/5/2 * * * ? *)", /more than one "\/"/],
  // L, W and #.
  ["cron(0 0 L,15 * ? *)", /day-of-month "L,15": L \(last day of the month\) must be the whole field/],
  ["cron(0 0 LW * ? *)", /documents L \(last day\) and nW/],
  ["cron(0 0 L-3 * ? *)", /documents L \(last day\) and nW/],
  ["cron(0 0 1W,15 * ? *)", /nW \(weekday nearest day n\) must be the whole field/],
  ["cron(0 0 1-5W * ? *)", /nW .* must be the whole field/],
  ["cron(0 0 32W * ? *)", /W needs a day 1-31/],
  ["cron(0 0 W * ? *)", /nW .* must be the whole field/],
  ["cron(L 0 * * ? *)", /minutes "L": "L" is not allowed/],
  ["cron(0 0 ? * 6L,2 *)", /day-of-week "6L,2": L .* must be the whole field/],
  ["cron(0 0 ? * 8L *)", /day-of-week "8L": 8 is out of range/],
  ["cron(0 0 ? * 3#1,6#3 *)", /a # expression .* must be the whole field; EventBridge allows only one/],
  ["cron(0 0 ? * 3#6 *)", /the number after # is which week of the month and must be 1-5/],
  ["cron(0 0 ? * 3#0 *)", /must be 1-5/],
  ["cron(0 0 ? * 8#1 *)", /day-of-week "8#1": 8 is out of range/],
  ["cron(0 0 15 * L *)", /are both set/],
  // rate()
  ["rate(0 minutes)", /rate value must be a positive whole number \(1 or more\), got "0"/],
  ["rate(-5 minutes)", /positive whole number/],
  ["rate(1.5 hours)", /positive whole number/],
  ["rate(05 minutes)", /without leading zeros/],
  ["rate(1 minutes)", /with the value 1 the unit is singular: rate\(1 minute\)/],
  ["rate(1 hours)", /singular: rate\(1 hour\)/],
  ["rate(1 days)", /singular: rate\(1 day\)/],
  ["rate(2 hour)", /with a value other than 1 the unit is plural: rate\(2 hours\)/],
  ["rate(30 seconds)", /unit must be minute\(s\), hour\(s\) or day\(s\), got "seconds"/],
  ["rate(1 week)", /unit must be minute\(s\), hour\(s\) or day\(s\), got "week"/],
  ["rate(5 Minutes)", /unit must be/],
  ["rate(5)", /takes a value and a unit/],
  ["rate()", /takes a value and a unit/],
  // at()
  ["at(2026-02-30T00:00:00)", /2026-02 has no day 30/],
  ["at(2027-02-29T00:00:00)", /2027-02 has no day 29/],
  ["at(2026-13-01T00:00:00)", /month 13 does not exist/],
  ["at(2026-06-01T24:00:00)", /hour 24 does not exist/],
  ["at(2026-06-01T09:60:00)", /minute 60 does not exist/],
  ["at(2026-06-01T09:00:60)", /second 60 does not exist/],
  ["at(2026-06-01 09:00:00)", /yyyy-mm-ddThh:mm:ss/],
  ["at(2026-06-01)", /yyyy-mm-ddThh:mm:ss/],
  ["at(2026-06-01T09:00:00Z)", /without an offset or Z/],
  ["at(2026-06-01T09:00:00+02:00)", /without an offset or Z/],
];

describe("Function: parseSchedule rejects what EventBridge Scheduler rejects", () => {
  for (const [expression, reason] of INVALID_EXPRESSIONS) {
    it(`rejects ${JSON.stringify(expression)}`, () => {
      assert.throws(
        () => parseSchedule(expression),
        (error: unknown) => {
          assert.ok(error instanceof ScheduleError, `expected a ScheduleError, got ${String(error)}`);
          assert.ok(error instanceof SettingsError, "ScheduleError extends SettingsError");
          assert.equal(error.exitCode, 1);
          assert.match(error.message, reason);
          return true;
        },
      );
    });
  }
});

describe("Function: parseSchedule accepts what EventBridge Scheduler accepts", () => {
  const valid = [
    "cron(0 12 * * ? *)",
    "cron(0 12 ? * * *)",
    "cron(* * * * ? *)",
    "cron(*/1 * * * ? *)",
    "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
    "cron(30-30 13-13 ? * 2,4,6 *)",
    "cron(1-31/30 1-1 ? * 1,7 *)",
    "cron(15 10 ? * 6L 2026-2030)",
    "cron(0 9 ? * 3#2 *)",
    "cron(0 9 L * ? *)",
    "cron(0 9 1W * ? *)",
    "cron(0 9 ? JAN-MAR,OCT MON-FRI *)",
    "cron(59 23 31 DEC ? 2199)",
    "cron(0 0 1 1 ? 1970)",
    "rate(1 minute)",
    "rate(1 hour)",
    "rate(1 day)",
    "rate(90 minutes)",
    "rate(7 days)",
    "at(2026-06-01T09:00:00)",
    "at(2028-02-29T23:59:59)",
  ];
  for (const expression of valid) {
    it(`accepts ${expression}`, () => {
      assert.doesNotThrow(() => parseSchedule(expression));
    });
  }
});

describe("Function: parseSchedule checks the time zone", () => {
  const invalid: [zone: string, reason: RegExp][] = [
    ["Mars/Base", /"Mars\/Base" is not a known time zone/],
    ["+02:00", /offsets are not accepted/],
    ["america/new_york", /must be written "America\/New_York"/],
    ["", /time zone is empty/],
  ];
  for (const [zone, reason] of invalid) {
    it(`rejects ${JSON.stringify(zone)}`, () => {
      assert.throws(() => parseSchedule("rate(1 hour)", zone), (error: unknown) => {
        assert.ok(error instanceof ScheduleError);
        assert.match((error as Error).message, reason);
        return true;
      });
    });
  }

  for (const zone of ["UTC", "Etc/UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]) {
    it(`accepts ${zone}`, () => {
      assert.equal(parseSchedule("cron(0 12 * * ? *)", zone).timezone, zone);
    });
  }
});
