/** The dev scheduler's timer (armSchedule) on Node's mock clock: when it fires, and what it does after a pause. */
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { parseSchedule } from "../src/schedule/index.js";
import { armSchedule } from "../src/dev/schedule/scheduleTimer.js";

const START = Date.parse("2026-03-01T10:00:00Z");

describe("Function: armSchedule", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: START }));
  afterEach(() => mock.timers.reset());

  it("fires a rate() schedule one interval after it started, then every interval", () => {
    const fires: string[] = [];
    const timer = armSchedule(parseSchedule("rate(5 minutes)", "UTC", { start: new Date(START) }), (due) => fires.push(due.toISOString()));
    assert.equal(timer.next?.toISOString(), "2026-03-01T10:05:00.000Z");
    mock.timers.tick(5 * 60_000 - 1);
    assert.deepEqual(fires, []);
    mock.timers.tick(1);
    assert.deepEqual(fires, ["2026-03-01T10:05:00.000Z"]);
    mock.timers.tick(5 * 60_000);
    mock.timers.tick(5 * 60_000);
    assert.deepEqual(fires, ["2026-03-01T10:05:00.000Z", "2026-03-01T10:10:00.000Z", "2026-03-01T10:15:00.000Z"]);
    assert.equal(timer.next?.toISOString(), "2026-03-01T10:20:00.000Z");
    timer.close();
    assert.equal(timer.next, null);
    mock.timers.tick(60 * 60_000);
    assert.equal(fires.length, 3);
  });

  it("after a pause (a laptop asleep) fires the latest missed time once, then keeps the rhythm", () => {
    const fires: string[] = [];
    const timer = armSchedule(parseSchedule("rate(1 hour)", "UTC", { start: new Date(START) }), (due) => fires.push(due.toISOString()));
    // The clock jumps 3.5 hours before the timer gets to run.
    mock.timers.tick(3.5 * 3600_000);
    assert.deepEqual(fires, ["2026-03-01T13:00:00.000Z"]);
    assert.equal(timer.next?.toISOString(), "2026-03-01T14:00:00.000Z");
    timer.close();
  });

  it("fires cron() on the wall clock of its time zone", () => {
    const fires: string[] = [];
    // 12:00 in New York on 1 March 2026 (EST, UTC-5) is 17:00 UTC.
    const timer = armSchedule(parseSchedule("cron(0 12 * * ? *)", "America/New_York"), (due) => fires.push(due.toISOString()));
    assert.equal(timer.next?.toISOString(), "2026-03-01T17:00:00.000Z");
    mock.timers.tick(7 * 3600_000);
    assert.deepEqual(fires, ["2026-03-01T17:00:00.000Z"]);
    timer.close();
  });

  it("fires an at() schedule once and then has no next time", () => {
    const fires: string[] = [];
    const timer = armSchedule(parseSchedule("at(2026-03-01T10:00:02)", "UTC"), (due) => fires.push(due.toISOString()));
    mock.timers.tick(2_000);
    assert.deepEqual(fires, ["2026-03-01T10:00:02.000Z"]);
    assert.equal(timer.next, null);
  });

  it("does not fire an at() time that has passed", () => {
    const fires: Date[] = [];
    const timer = armSchedule(parseSchedule("at(2026-03-01T09:59:59)", "UTC"), (due) => fires.push(due));
    assert.equal(timer.next, null);
    mock.timers.tick(3600_000);
    assert.deepEqual(fires, []);
  });

  it("waits longer than one Node timer can (about 24.8 days) in chunks", () => {
    const fires: string[] = [];
    const timer = armSchedule(parseSchedule("rate(30 days)", "UTC", { start: new Date(START) }), (due) => fires.push(due.toISOString()));
    mock.timers.tick(2 ** 31 - 1);
    assert.deepEqual(fires, []);
    mock.timers.tick(30 * 86_400_000 - (2 ** 31 - 1));
    assert.deepEqual(fires, ["2026-03-31T10:00:00.000Z"]);
    timer.close();
  });
});
