/**
 * The settings dev runs with, as a person reads them: a label, the value with
 * its unit ("10 s", "256 KiB", "6 min"), and what it does (the settings
 * table's own words). The same settings `dev` shows in its banner.
 */
import { SETTING_KEYS, SETTINGS, type Settings } from "../../project/settings.js";
import { spokenDuration } from "../queue/retryTiming.js";
import type { SettingInWords } from "../http/devApi.js";

export function settingsInWords(settings: Settings): SettingInWords[] {
  const shown: SettingInWords[] = [];
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key] as { dev?: string; unit?: string; help: string };
    if (!spec.dev) continue;
    shown.push({ key, label: labelOf(key), value: valueInWords(settings[key], spec.unit), meaning: spec.help });
  }
  return shown;
}

/** LETSGO_WORKER_VISIBILITY_TIMEOUT → "Visibility timeout". */
function labelOf(key: string): string {
  const words = key.replace(/^LETSGO_(WORKER_)?/, "").toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function valueInWords(value: string | number, unit: string | undefined): string {
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  if (unit === "seconds") return value === 0 ? "0 s" : spokenDuration(value * 1000);
  if (unit === "bytes") return value % 1024 === 0 ? `${value / 1024} KiB` : `${value.toLocaleString("en")} bytes`;
  if (unit === "MB") return `${value} MB`;
  return value.toLocaleString("en");
}
