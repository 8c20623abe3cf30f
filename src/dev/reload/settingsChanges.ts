/**
 * What a running `dev` does with an edit of apps/worker/.env. The handler's
 * environment applies live: the user's own variables and the settings that are
 * not deploy settings (STRIPE_WEBHOOK_SECRET, SLACK_WEBHOOK_URL, LETSGO_API_URL,
 * ...), with the handler processes reloaded. Deploy settings shape the running
 * queue, mapping, server and schedule (port, visibility timeout, batch size,
 * concurrency, schedule, ...), and LETSGO_DEPLOYMENT names the queue and function
 * in every event: those take a restart.
 */
import { isDeploySetting, SETTING_KEYS, type Settings } from "../../project/settings.js";

export interface SettingsRead {
  settings: Settings;
  /** The user's own variables. */
  extra: Record<string, string>;
}

export interface SettingsChange {
  /** Keys changed and applied (names only: values may be secrets). */
  applied: string[];
  /** Keys changed that take a restart of dev, and differ from what dev runs with. */
  needsRestart: string[];
}

/** A setting dev cannot change while it runs. */
export function needsRestart(key: string): boolean {
  return isDeploySetting(key) || key === "LETSGO_DEPLOYMENT";
}

/**
 * The keys that differ between the last good read of the file (`previous`) and
 * this one (`next`): live ones are applied; the others are named once, in the
 * edit that changed them, unless they went back to what `running` dev uses.
 */
export function settingsChanges(running: Settings, previous: SettingsRead, next: SettingsRead): SettingsChange {
  const applied: string[] = [];
  const restart: string[] = [];
  for (const key of SETTING_KEYS) {
    if (previous.settings[key] === next.settings[key]) continue;
    if (!needsRestart(key)) applied.push(key);
    else if (next.settings[key] !== running[key]) restart.push(key);
  }
  const own = new Set([...Object.keys(previous.extra), ...Object.keys(next.extra)]);
  for (const key of [...own].sort()) if (previous.extra[key] !== next.extra[key]) applied.push(key);
  return { applied, needsRestart: restart };
}

/** The running settings with the applied ones taken from `next` (in place: everything holding them sees the new values). */
export function applyLive(running: Settings, next: Settings, applied: readonly string[]): void {
  const live = running as Record<string, string | number>;
  for (const key of applied) if (key in next && !needsRestart(key)) live[key] = next[key as keyof Settings];
}
