/**
 * Re-reads apps/worker/.env when its content changes, the way `dev` read it at
 * start (exported settings and dev's flags still win over the file), and
 * applies what can change live (./settingsChanges.ts). A file that does not
 * read (a setting out of range, a schedule AWS would reject) is reported and
 * changes nothing: dev keeps its last good settings.
 */
import { handlerEnvironment } from "../../project/handlerEnvironment.js";
import { loadSettings, type SettingKey, type Settings } from "../../project/settings.js";
import { parseScheduleSetting, ScheduleError } from "../../schedule/index.js";
import { applyLive, settingsChanges, type SettingsChange, type SettingsRead } from "./settingsChanges.js";
import { watchFile } from "./watch.js";

export interface SettingsWatchOptions {
  projectDir: string;
  envFile: string;
  /** dev's flags, as at start. */
  overrides?: Partial<Record<SettingKey, string | number | undefined>>;
  /** What dev runs with: the live settings are updated in place. */
  settings: Settings;
  extra: Record<string, string>;
  /** dev fires the schedule: a changed LETSGO_WORKER_SCHEDULE is checked as at start. */
  schedule: boolean;
  /** Keys changed; `extra` holds the user's variables now, `environmentChanged` says the handler's environment differs. */
  onChange(change: SettingsChange & { extra: Record<string, string>; environmentChanged: boolean }): void;
  /** The file does not read; nothing was applied. */
  onInvalid(error: string): void;
  debounceMs?: number;
}

export function watchSettings(options: SettingsWatchOptions): { close(): void } {
  const { settings } = options;
  let last: SettingsRead = { settings: { ...settings }, extra: options.extra };
  let reading = Promise.resolve();

  const reread = async () => {
    let next: SettingsRead;
    try {
      next = await loadSettings(options.projectDir, options.overrides, process.env, { dev: true });
      if (options.schedule) checkSchedule(last.settings, next.settings, options.envFile);
    } catch (error) {
      options.onInvalid(error instanceof Error ? error.message : String(error));
      return;
    }
    const change = settingsChanges(settings, last, next);
    const before = handlerEnvironment(settings, last.extra);
    last = { settings: next.settings, extra: next.extra };
    if (change.applied.length === 0 && change.needsRestart.length === 0) return; // comments, blank lines, a key moved
    applyLive(settings, next.settings, change.applied);
    const after = handlerEnvironment(settings, next.extra);
    options.onChange({ ...change, extra: next.extra, environmentChanged: !sameRecord(before, after) });
  };

  const watcher = watchFile(options.envFile, () => void (reading = reading.then(reread)), options.debounceMs);
  return { close: () => watcher.close() };
}

/** A new schedule must parse as deploy would take it, or restarting dev would fail on it. */
function checkSchedule(previous: Settings, next: Settings, envFile: string): void {
  if (previous.LETSGO_WORKER_SCHEDULE === next.LETSGO_WORKER_SCHEDULE && previous.LETSGO_WORKER_SCHEDULE_TIMEZONE === next.LETSGO_WORKER_SCHEDULE_TIMEZONE) return;
  try {
    parseScheduleSetting(next.LETSGO_WORKER_SCHEDULE, next.LETSGO_WORKER_SCHEDULE_TIMEZONE, { start: new Date() });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw new ScheduleError(`${envFile}: ${error.message} Fix it, or the next start of dev fails on it.`, { cause: error });
  }
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
