/**
 * The dashboard's Schedule view: the setting, its description, the next five
 * fire times (UTC and in the schedule's zone) and the latest runs. Pure.
 */
import { formatLocalIso, type Schedule } from "../../schedule/index.js";
import type { ScheduleView } from "../http/devApi.js";

export interface ScheduleSetting {
  state: "on" | "off" | "none";
  expression: string;
  timezone: string;
}

export function scheduleView(
  setting: ScheduleSetting,
  schedule: { schedule: Schedule; from: Date } | null,
  runs: ScheduleView["runs"],
  now: number = Date.now(),
): ScheduleView {
  // Fires strictly after the given time: a millisecond before, so a fire at the start itself is listed.
  const next = schedule && setting.state === "on" ? schedule.schedule.nextN(new Date(Math.max(now, schedule.from.getTime()) - 1), 5) : [];
  return {
    ...setting,
    description: schedule?.schedule.describe() ?? null,
    next: next.map((fire) => ({ utc: fire.toISOString(), local: formatLocalIso(fire.getTime(), setting.timezone) })),
    runs,
  };
}
