/** The dashboard's Schedule view (src/dev/schedule/scheduleView.ts), pure. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { scheduleView } from "../src/dev/services/scheduleView.js";
import { parseScheduleSetting } from "../src/schedule/index.js";

describe("Function: scheduleView", () => {
  const from = new Date("2026-12-07T10:00:00Z");
  const schedule = { schedule: parseScheduleSetting("cron(0 9 * * ? *)", "Europe/Paris")!, from };

  it("lists the next five fire times, in UTC and in the schedule's zone", () => {
    const view = scheduleView({ state: "on", expression: "cron(0 9 * * ? *)", timezone: "Europe/Paris" }, schedule, [], from.getTime());
    assert.equal(view.next.length, 5);
    assert.deepEqual(view.next[0], { utc: "2026-12-08T08:00:00.000Z", local: "2026-12-08T09:00:00+01:00" });
    assert.equal(typeof view.description, "string");
  });

  it("lists none when the schedule is off (--no-schedule) or empty", () => {
    assert.deepEqual(scheduleView({ state: "off", expression: "cron(0 9 * * ? *)", timezone: "UTC" }, schedule, []).next, []);
    assert.deepEqual(scheduleView({ state: "none", expression: "", timezone: "UTC" }, null, []), { state: "none", expression: "", timezone: "UTC", description: null, next: [], runs: [] });
  });
});
