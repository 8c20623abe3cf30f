/**
 * The core of `letsgo-worker schedule`: read the configured schedule (flags win
 * over apps/worker/.env), validate it as EventBridge Scheduler would, and return
 * it in words with its next fire times. Returns data; the CLI prints it.
 */
import { readFile } from "node:fs/promises";
import { loadSettings } from "../project/settings.js";
import { parseEnv } from "../project/dotenv.js";
import { ScheduleError } from "../schedule/errors.js";
import { formatLocalIso, parseScheduleSetting } from "../schedule/index.js";

export interface ShowScheduleOptions {
  cwd: string;
  /** Overrides LETSGO_WORKER_SCHEDULE. */
  expression?: string;
  /** Overrides LETSGO_WORKER_SCHEDULE_TIMEZONE. */
  timezone?: string;
  /** How many fire times to list (default 5). */
  next?: number;
  /** Count from this time (default: now). rate() schedules are shown as if started now. */
  now?: Date;
}

export interface FireTime {
  /** Wall-clock time in the schedule's zone, with offset: 2026-03-10T09:00:00-04:00. */
  local: string;
  /** The same instant in UTC: 2026-03-10T13:00:00.000Z. */
  utc: string;
}

export interface ScheduleReport {
  enabled: boolean;
  expression: string;
  timezone: string;
  kind: "cron" | "rate" | "at" | null;
  /** The schedule in words, or why nothing is scheduled. */
  description: string;
  /** Where each value came from: a flag, a line of apps/worker/.env, or the default. */
  source: { expression: string; timezone: string };
  fires: FireTime[];
}

export async function showSchedule(options: ShowScheduleOptions): Promise<ScheduleReport> {
  const now = options.now ?? new Date();
  const { settings, envFile } = await loadSettings(options.cwd, {
    LETSGO_WORKER_SCHEDULE: options.expression,
    LETSGO_WORKER_SCHEDULE_TIMEZONE: options.timezone,
  });
  const expression = settings.LETSGO_WORKER_SCHEDULE.trim();
  const timezone = settings.LETSGO_WORKER_SCHEDULE_TIMEZONE;
  const lines = await envLines(envFile);
  const sourceOf = (key: string, flag: string, override: string | undefined) =>
    override !== undefined ? flag : lines.has(key) ? `${envFile}:${lines.get(key)}` : "default";
  const source = {
    expression: sourceOf("LETSGO_WORKER_SCHEDULE", "--expression", options.expression),
    timezone: sourceOf("LETSGO_WORKER_SCHEDULE_TIMEZONE", "--timezone", options.timezone),
  };

  let schedule;
  try {
    schedule = parseScheduleSetting(expression, timezone, { start: now });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const where = /time zone/i.test(error.message) ? source.timezone : source.expression;
    throw new ScheduleError(`${where}: ${error.message}`, { cause: error });
  }
  if (!schedule) {
    return {
      enabled: false,
      expression,
      timezone,
      kind: null,
      description: `scheduling is disabled (LETSGO_WORKER_SCHEDULE is empty, from ${source.expression})`,
      source,
      fires: [],
    };
  }
  // From a millisecond before now: a rate() schedule started now fires now first, as Scheduler does.
  const fires = schedule.nextN(new Date(now.getTime() - 1), options.next ?? 5).map((fire) => ({
    local: formatLocalIso(fire.getTime(), timezone),
    utc: fire.toISOString(),
  }));
  return { enabled: true, expression, timezone, kind: schedule.kind, description: schedule.describe(), source, fires };
}

async function envLines(envFile: string): Promise<Map<string, number>> {
  try {
    return new Map(parseEnv(await readFile(envFile, "utf8")).map((entry) => [entry.key, entry.line]));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
}
