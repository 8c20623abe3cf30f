/**
 * What `dev` reads before it starts anything: the settings (apps/worker/.env,
 * flags, LETSGO_DEV_... values) checked as deploy checks them, the schedule as
 * EventBridge Scheduler reads it, and the banner's example message.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SettingsError } from "../errors.js";
import { requireWorkerFiles, type WorkerPaths } from "../project/paths.js";
import { payloadSkeleton } from "../project/payloadSkeleton.js";
import { scanEnum } from "../project/scan.js";
import { checkSettingRules } from "../project/settingRules.js";
import { loadSettings, type LoadedSettings, type Settings } from "../project/settings.js";
import { missingEnvFileWarning, readSettingsSource } from "../project/settingsSource.js";
import { isReservedMessageType, ReservedMessageType } from "../runtime/messageTypes.js";
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";
import { parseScheduleSetting, ScheduleError, type Schedule } from "../schedule/index.js";
import type { DevSchedule, DevWorkerOptions } from "./devWorkerTypes.js";

export interface DevStart {
  loaded: LoadedSettings;
  /** Why the settings are not what the project's files say, and AWS's advice on them (the banner's). */
  settingsWarning: string | undefined;
  /** The schedule, counting rate() from the start; null when it does not fire on its own. */
  schedule: { schedule: Schedule; from: Date } | null;
  /** Whether and on what the schedule fires: the banner's, --json's and the dashboard's one view of it. */
  scheduleSetting: Omit<DevSchedule, "next">;
  exampleMessage: { type: string; payload: unknown };
}

/** server.ts is the local entry (it re-exports index.ts's handler, plus local-only setup); index.ts otherwise. */
export function devEntry(paths: WorkerPaths): string {
  const server = path.join(paths.src, "server.ts");
  return existsSync(server) ? server : paths.entry;
}

/** Everything checked before anything starts: what deploy would refuse, dev refuses, with the same message. */
export async function readDevStart(options: DevWorkerOptions, paths: WorkerPaths): Promise<DevStart> {
  requireWorkerFiles(paths, paths.entry); // dev runs the worker's Lambda entry
  const loaded = await loadSettings(options.projectDir, options.overrides, process.env, { dev: true });
  const { settings, envFile } = loaded;
  // What it would warn about, the banner says; a missing .env (it is gitignored: a fresh clone lacks it) is said plainly.
  const ruleWarnings = checkSettingRules(loaded.deployed);
  checkDevOnlyRules(loaded);
  const missingEnv = missingEnvFileWarning(await readSettingsSource(options.projectDir, loaded), loaded, settings.LETSGO_WORKER_REGION);
  const settingsWarning = [missingEnv, ...ruleWarnings].filter(Boolean).join("\n") || undefined;
  const from = new Date();
  const parsed = options.schedule === false ? null : parseSchedule(settings, envFile, from);
  return {
    loaded,
    settingsWarning,
    schedule: parsed && { schedule: parsed, from },
    scheduleSetting: {
      state: options.schedule === false ? "off" : parsed ? "on" : "none",
      expression: settings.LETSGO_WORKER_SCHEDULE,
      timezone: settings.LETSGO_WORKER_SCHEDULE_TIMEZONE,
    },
    exampleMessage: await exampleMessage(paths.typesIndex),
  };
}

/**
 * Dev-only values (LETSGO_DEV_...) must still make a worker that works: the
 * rules' refusals apply to them; AWS's advice (the warnings) is about AWS, so
 * the deployed values answer for it.
 */
function checkDevOnlyRules(loaded: LoadedSettings): void {
  if (loaded.devOnly.length === 0) return;
  try {
    checkSettingRules(loaded.settings);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    const values = loaded.devOnly.map((d) => `${d.devKey}=${d.value}`).join(", ");
    throw new SettingsError(`In dev, with ${values} from ${loaded.envFile}: ${error.message}`);
  }
}

/** LETSGO_WORKER_SCHEDULE as EventBridge Scheduler would read it (null: empty, disabled); rate() counts from `start`. */
function parseSchedule(settings: Settings, envFile: string, start: Date): Schedule | null {
  try {
    return parseScheduleSetting(settings.LETSGO_WORKER_SCHEDULE, settings.LETSGO_WORKER_SCHEDULE_TIMEZONE, { start });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw new ScheduleError(`${envFile}: ${error.message} Fix it, or run dev with --no-schedule.`, { cause: error });
  }
}

/**
 * The first type of the project's own (else a contact form), for the banner's
 * example; its payload is filled in from the type's interface once that is read
 * (exampleFitting).
 */
async function exampleMessage(typesIndex: string): Promise<{ type: string; payload: unknown }> {
  const source = await readFile(typesIndex, "utf8").catch(() => "");
  const own = scanEnum(source, "MessageType")?.find((member) => !isReservedMessageType(member.value));
  return own ? { type: own.value, payload: {} } : { type: ReservedMessageType.Contact, payload: { email: "you@example.com", message: "Hello" } };
}

export function exampleFitting(example: { type: string; payload: unknown }, schemas: PayloadSchemas | undefined): { type: string; payload: unknown } {
  return schemas && Object.hasOwn(schemas.messages, example.type) ? { type: example.type, payload: payloadSkeleton(schemas, example.type) } : example;
}
