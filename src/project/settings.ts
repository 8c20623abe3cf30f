/**
 * Every setting the worker reads, with its default, in one place. `init` writes
 * them to apps/worker/.env, `dev` and `deploy` read them from there, so the local
 * worker and the cloud one agree.
 */
import { readFile } from "node:fs/promises";
import { SettingsError } from "../errors.js";
import { envToRecord, formatValue, parseEnv } from "./dotenv.js";
import { workerPaths } from "./paths.js";
import { DEFAULT_LOCAL_QUEUE_URL, DEFAULT_MAX_MESSAGE_SIZE } from "../queue/constants.js";

interface IntSpec {
  kind: "int";
  default: number;
  min: number;
  max: number;
  unit: "seconds" | "bytes" | "MB" | "count";
}
interface StringSpec {
  kind: "string";
  default: string;
  oneOf?: readonly string[];
}
type Spec = (IntSpec | StringSpec) & {
  /** Used to provision AWS resources: never passed to the function's environment. */
  deploy: boolean;
  /** Value is a secret: never printed, never stored in plaintext configuration. */
  secret?: boolean;
  /** `dev` takes it as a flag (`--visibility-timeout`), and shows it in its banner and JSON; "shown": shows it only. */
  dev?: "flag" | "shown";
  help: string;
};

export const SETTINGS = {
  LETSGO_DEPLOYMENT: { kind: "string", dev: "shown", default: "main", deploy: false, help: "Deployment name; AWS resource names derive from it." },
  LETSGO_WORKER_REGION: { kind: "string", dev: "shown", default: "us-west-2", deploy: true, help: "AWS region to deploy to (AWS_REGION / --region override it)." },
  LETSGO_API_URL: { kind: "string", default: "http://localhost:3001", deploy: false, help: "Base URL of your API; api.ts calls it with an access token." },
  LETSGO_API_AUDIENCE: { kind: "string", default: "letsgo:service", deploy: false, help: "`aud` claim of the worker's access tokens." },
  LETSGO_WORKER_PRIVATE_KEY: { kind: "string", default: "", deploy: false, secret: true, help: "Private key (JWK or PKCS#8 PEM) that signs access tokens. `letsgo-worker keys generate` sets it." },
  LETSGO_LOCAL_QUEUE_URL: { kind: "string", default: DEFAULT_LOCAL_QUEUE_URL, deploy: true, help: "Where `enqueue` and your app send messages locally (when LETSGO_WORKER_QUEUE_URL is not set)." },
  STRIPE_WEBHOOK_SECRET: { kind: "string", default: "", deploy: false, secret: true, help: "Stripe webhook signing secret (whsec_...) checked by POST /stripe." },
  SLACK_WEBHOOK_URL: { kind: "string", default: "", deploy: false, secret: true, help: "Slack incoming-webhook URL for notifySlack() (contact forms, Stripe lifecycle events). Empty: notifications are skipped." },
  LETSGO_WORKER_SCHEDULE: { kind: "string", dev: "shown", default: "rate(1 hour)", deploy: true, help: "EventBridge Scheduler expression: rate(...), cron(...) or at(...). Empty disables scheduling." },
  LETSGO_WORKER_SCHEDULE_TIMEZONE: { kind: "string", dev: "shown", default: "UTC", deploy: true, help: "IANA time zone of the schedule." },
  LETSGO_WORKER_VISIBILITY_TIMEOUT: { kind: "int", unit: "seconds", dev: "flag", default: 360, min: 0, max: 43200, deploy: true, help: "Seconds a received message stays invisible before it is retried." },
  LETSGO_WORKER_MESSAGE_RETENTION: { kind: "int", unit: "seconds", default: 345600, min: 60, max: 1209600, deploy: true, help: "Seconds a message is kept before SQS drops it." },
  LETSGO_WORKER_RECEIVE_WAIT: { kind: "int", unit: "seconds", default: 2, min: 0, max: 20, deploy: true, help: "Long-polling wait of the queue, seconds." },
  LETSGO_WORKER_MAX_RECEIVE_COUNT: { kind: "int", unit: "count", dev: "flag", default: 5, min: 1, max: 1000, deploy: true, help: "Receives before a message moves to the dead-letter queue." },
  LETSGO_WORKER_MAX_MESSAGE_SIZE: { kind: "int", unit: "bytes", dev: "flag", default: DEFAULT_MAX_MESSAGE_SIZE, min: 1024, max: DEFAULT_MAX_MESSAGE_SIZE, deploy: true, help: "Largest message body accepted, bytes." },
  LETSGO_WORKER_BATCH_SIZE: { kind: "int", unit: "count", dev: "flag", default: 10, min: 1, max: 10000, deploy: true, help: "Most messages handed to the handler at once." },
  LETSGO_WORKER_BATCHING_WINDOW: { kind: "int", unit: "seconds", dev: "flag", default: 2, min: 0, max: 300, deploy: true, help: "Seconds to gather a batch before invoking the handler." },
  LETSGO_WORKER_CONCURRENCY: { kind: "int", unit: "count", dev: "flag", default: 5, min: 2, max: 1000, deploy: true, help: "Most batches handled at once (event source mapping MaximumConcurrency)." },
  LETSGO_WORKER_FUNCTION_TIMEOUT: { kind: "int", unit: "seconds", dev: "flag", default: 60, min: 1, max: 900, deploy: true, help: "Handler time limit, seconds." },
  LETSGO_WORKER_MEMORY: { kind: "int", unit: "MB", default: 128, min: 128, max: 10240, deploy: true, help: "Lambda memory, MB." },
  LETSGO_WORKER_EPHEMERAL_STORAGE: { kind: "int", unit: "MB", default: 512, min: 512, max: 10240, deploy: true, help: "Lambda /tmp size, MB." },
  LETSGO_WORKER_ARCHITECTURE: { kind: "string", default: "arm64", oneOf: ["arm64", "x86_64"], deploy: true, help: "Lambda architecture." },
  LETSGO_WORKER_REGISTRY: { kind: "string", default: "", deploy: true, help: "Image registry address; empty means the account's ECR registry." },
  LETSGO_WORKER_PLAIN_ENV: { kind: "string", default: "", deploy: true, help: "Comma-separated names of your own .env variables that deploy puts in the function's plain configuration (e.g. LOG_LEVEL,FEATURE_X). Every other one is a secret: an SSM SecureString parameter the runtime loads at start." },
} as const satisfies Record<string, Spec>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = {
  [K in SettingKey]: (typeof SETTINGS)[K]["kind"] extends "int" ? number : string;
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function defaultSettings(): Settings {
  const out: Record<string, string | number> = {};
  for (const key of SETTING_KEYS) out[key] = SETTINGS[key].default;
  return out as Settings;
}

/**
 * Values that must not sit in plaintext function configuration. The worker's
 * own settings say so themselves (`secret`); every other variable in .env is a
 * secret unless LETSGO_WORKER_PLAIN_ENV lists it (`plainEnv`, from plainEnvKeys).
 */
export function isSecretKey(key: string, plainEnv: ReadonlySet<string>): boolean {
  const spec = (SETTINGS as Record<string, Spec>)[key];
  if (spec) return spec.secret === true;
  return !plainEnv.has(key);
}

/** The names LETSGO_WORKER_PLAIN_ENV lists: comma-separated, blanks ignored. */
export function plainEnvKeys(settings: Pick<Settings, "LETSGO_WORKER_PLAIN_ENV">): Set<string> {
  return new Set(
    settings.LETSGO_WORKER_PLAIN_ENV.split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
  );
}

/** A worker secret (LETSGO_WORKER_PRIVATE_KEY, ...) cannot be made plain: refuse the list that tries. */
function checkPlainEnv(settings: Settings, where: (key: string) => string): void {
  const secrets = [...plainEnvKeys(settings)].filter((key) => (SETTINGS as Record<string, Spec>)[key]?.secret === true);
  if (secrets.length === 0) return;
  const one = secrets.length === 1;
  throw new SettingsError(
    `${where("LETSGO_WORKER_PLAIN_ENV")}: LETSGO_WORKER_PLAIN_ENV lists ${secrets.join(", ")}, ` +
      `${one ? "a secret setting of the worker: it is" : "secret settings of the worker: they are"} always stored as ` +
      `${one ? "an SSM SecureString parameter" : "SSM SecureString parameters"}, never in plain configuration. ` +
      `Remove ${one ? "it" : "them"} from the list.`,
  );
}

export function isDeploySetting(key: string): boolean {
  return (SETTINGS as Record<string, Spec>)[key]?.deploy === true;
}

/**
 * Turn raw strings (from .env, then flags) into checked settings. Unknown keys are
 * kept in `extra`: they are the user's own configuration for their handlers.
 */
export function resolveSettings(
  raw: Record<string, string>,
  where: (key: string) => string = (key) => key,
): { settings: Settings; extra: Record<string, string> } {
  const settings = defaultSettings() as Record<string, string | number>;
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(DEV_ONLY_PREFIX)) {
      checkDevOnlyValue(key, value, where);
      continue; // dev's own: never the handler's configuration, never deployed
    }
    const spec = (SETTINGS as Record<string, Spec>)[key];
    if (!spec) {
      extra[key] = value;
      continue;
    }
      const checked = checkedValue(key, spec, value, where);
    if (checked !== undefined) settings[key] = checked;
  }
  checkPlainEnv(settings as Settings, where);
  return { settings: settings as Settings, extra };
}

/** A setting's value as it is used; undefined for an empty number (the default stands). Throws a SettingsError naming `where(key)`. */
function checkedValue(key: string, spec: Spec, value: string, where: (key: string) => string): string | number | undefined {
  if (spec.kind === "int") {
    if (value.trim() === "") return undefined;
    if (!/^-?\d+$/.test(value.trim())) {
      throw new SettingsError(`${where(key)}: ${key} must be a whole number, got "${value}".`);
    }
    const n = Number(value);
    if (n < spec.min || n > spec.max) {
      throw new SettingsError(`${where(key)}: ${key} must be between ${spec.min} and ${spec.max}, got ${n}.`);
    }
    return n;
  }
  if (spec.oneOf && value !== "" && !spec.oneOf.includes(value)) {
    throw new SettingsError(`${where(key)}: ${key} must be one of ${spec.oneOf.join(", ")}, got "${value}".`);
  }
  return value === "" && key !== "LETSGO_WORKER_SCHEDULE" ? spec.default : value;
}

/**
 * `LETSGO_DEV_VISIBILITY_TIMEOUT=10` in apps/worker/.env: a value `dev` uses
 * instead of LETSGO_WORKER_VISIBILITY_TIMEOUT, which deploy keeps using. Only
 * the settings dev takes as flags have one (they shape the local queue and
 * mapping, not what is provisioned): fast retries while developing, AWS's
 * advised values in AWS.
 */
export const DEV_ONLY_PREFIX = "LETSGO_DEV_";

/** The settings dev takes as flags, and so as dev-only values. */
function devFlagKeys(): SettingKey[] {
  return SETTING_KEYS.filter((key) => (SETTINGS[key] as Spec).dev === "flag");
}

/** `LETSGO_WORKER_VISIBILITY_TIMEOUT` → `LETSGO_DEV_VISIBILITY_TIMEOUT`. */
export function devOnlyKey(key: SettingKey): string {
  return DEV_ONLY_PREFIX + key.replace(/^LETSGO_(WORKER_)?/, "");
}

/** The setting a `LETSGO_DEV_...` name stands in for; a SettingsError for one that stands for none. */
function devOnlyTarget(devKey: string, where: (key: string) => string): SettingKey {
  const target = devFlagKeys().find((key) => devOnlyKey(key) === devKey);
  if (target) return target;
  const known = devFlagKeys().map(devOnlyKey);
  throw new SettingsError(`${where(devKey)}: ${devKey} is not a dev-only setting. Those are: ${known.join(", ")} (each stands in for its LETSGO_WORKER_... setting in dev only).`);
}

function checkDevOnlyValue(devKey: string, value: string, where: (key: string) => string): void {
  const target = devOnlyTarget(devKey, where);
  checkedValue(target, SETTINGS[target], value, (key) => `${where(devKey)} (${devKey}, dev's value of ${key})`);
}

/** A value dev uses in place of the deployed one. */
export interface DevOnlyValue {
  key: SettingKey;
  devKey: string;
  value: string | number;
  /** What deploy uses (and dev without it). */
  deployed: string | number;
}

export interface LoadedSettings {
  /** With `dev`: dev's values (LETSGO_DEV_... in place of their settings); else what deploy uses. */
  settings: Settings;
  /** With `dev`: the values dev uses in place of the deployed ones. */
  devOnly: DevOnlyValue[];
  /** What deploy uses: `settings` without the dev-only values. */
  deployed: Settings;
  /** Keys in .env that are not letsgo-worker settings: the user's own configuration. */
  extra: Record<string, string>;
  envFile: string;
}

/**
 * Read apps/worker/.env (a missing file means all defaults). As with every
 * dotenv tool, a setting exported in the environment wins over the file (that
 * is how CI picks a deployment), and flags (`overrides`) win over both.
 */
export async function loadSettings(
  projectDir: string,
  overrides: Partial<Record<SettingKey, string | number | undefined>> = {},
  environment: NodeJS.ProcessEnv = process.env,
  use: { dev?: boolean } = {},
): Promise<LoadedSettings> {
  const envFile = workerPaths(projectDir).envFile;
  let text = "";
  try {
    text = await readFile(envFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const origins = new Map<string, string>(parseEnv(text).map((entry) => [entry.key, `${envFile}:${entry.line}`]));
  const raw = envToRecord(text);
  for (const key of [...SETTING_KEYS, ...devFlagKeys().map(devOnlyKey)]) {
    const value = environment[key];
    if (value !== undefined) {
      raw[key] = value;
      origins.set(key, `environment variable ${key}`);
    }
  }
  const flagged = new Set<string>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) {
      raw[key] = String(value);
      origins.set(key, `--${settingFlag(key)}`);
      flagged.add(key);
    }
  }
  const where = (key: string) => origins.get(key) ?? key;
  const { settings: deployed, extra } = resolveSettings(raw, where);
  if (!use.dev) return { settings: deployed, deployed, devOnly: [], extra, envFile };
  // dev: each LETSGO_DEV_... stands in for its setting, unless a flag names that setting.
  const devOnly: DevOnlyValue[] = [];
  const settings = { ...deployed } as Record<string, string | number>;
  for (const [devKey, value] of Object.entries(raw)) {
    if (!devKey.startsWith(DEV_ONLY_PREFIX)) continue;
    const key = devOnlyTarget(devKey, where);
    const checked = checkedValue(key, SETTINGS[key], value, where);
    if (checked === undefined || flagged.has(key)) continue;
    settings[key] = checked;
    devOnly.push({ key, devKey, value: checked, deployed: deployed[key] });
  }
  return { settings: settings as Settings, deployed, devOnly, extra, envFile };
}

/** `LETSGO_WORKER_VISIBILITY_TIMEOUT` → `visibility-timeout`: the flag that overrides it. */
export function settingFlag(key: string): string {
  return key.replace(/^LETSGO_(WORKER_)?/, "").toLowerCase().replace(/_/g, "-");
}

/** `LETSGO_WORKER_VISIBILITY_TIMEOUT` → `visibilityTimeout`: its name in JSON and in commander's options. */
export function settingName(key: string): string {
  return settingFlag(key).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

type SecondsKey = { [K in SettingKey]: (typeof SETTINGS)[K] extends { unit: "seconds" } ? K : never }[SettingKey];

/** A setting in seconds, in milliseconds (the unit timers take). */
export function settingMs(settings: Settings, key: SecondsKey): number {
  return settings[key] * 1000;
}

/** The settings `dev` takes as flags (`--visibility-timeout <seconds>`). */
export function devFlagSettings(): Array<{ key: SettingKey; flag: string; name: string; unit: string }> {
  return SETTING_KEYS.flatMap((key) => {
    const spec: Spec = SETTINGS[key];
    if (spec.dev !== "flag") return [];
    return [{ key, flag: settingFlag(key), name: settingName(key), unit: spec.kind === "int" ? (spec.unit === "count" ? "n" : spec.unit) : "value" }];
  });
}

/** What `dev` shows of its settings (banner JSON): the flag settings and the "shown" ones, by their JSON names. */
export function devShownSettings(settings: Settings): Record<string, string | number> {
  const shown: Record<string, string | number> = {};
  for (const key of SETTING_KEYS) {
    const spec: Spec = SETTINGS[key];
    if (spec.dev) shown[settingName(key)] = settings[key];
  }
  return shown;
}

/**
 * Quick retries while developing: a failing message comes back after 10 s, not
 * 6 min, and reaches the DLQ in under a minute. The visibility timeout may not
 * be shorter than the handler's time limit (a message would be delivered again
 * while still handled), so dev's limit is 10 s too.
 */
export const QUICK_DEV_RETRIES: Partial<Record<SettingKey, number>> = { LETSGO_WORKER_VISIBILITY_TIMEOUT: 10, LETSGO_WORKER_FUNCTION_TIMEOUT: 10 };

/** The .env file `init` writes: every setting, its default and what it does; then the dev-only values chosen, if any. */
export function renderEnvFile(values: Partial<Record<SettingKey, string | number>> = {}, devOnly: Partial<Record<SettingKey, number>> = {}): string {
  const lines = ["# letsgo-worker settings. `letsgo-worker dev` and `deploy` both read this file.", ""];
  for (const key of SETTING_KEYS) {
    const spec: Spec = SETTINGS[key];
    lines.push(`# ${spec.help}${spec.kind === "int" ? ` (${spec.min}-${spec.max})` : ""}`);
    const value = values[key] ?? spec.default;
    lines.push(`${key}=${formatValue(String(value))}`);
  }
  const chosen = Object.entries(devOnly) as Array<[SettingKey, number]>;
  if (chosen.length > 0) {
    const number = (key: SettingKey, from: Partial<Record<SettingKey, string | number>>) => Number(from[key] ?? SETTINGS[key].default);
    const receives = number("LETSGO_WORKER_MAX_RECEIVE_COUNT", { ...values, ...devOnly });
    const deployedMinutes = Math.round((number("LETSGO_WORKER_VISIBILITY_TIMEOUT", values) * number("LETSGO_WORKER_MAX_RECEIVE_COUNT", values)) / 60);
    const devSeconds = number("LETSGO_WORKER_VISIBILITY_TIMEOUT", { ...values, ...devOnly }) * (receives - 1);
    const devLimit = number("LETSGO_WORKER_FUNCTION_TIMEOUT", { ...values, ...devOnly });
    lines.push(
      "",
      "# Dev only: `letsgo-worker dev` uses each LETSGO_DEV_<name> in place of its setting above; deploy ignores them.",
      "# A failing message is tried again when its visibility timeout ends, and moves to the dead-letter queue after",
      `# LETSGO_WORKER_MAX_RECEIVE_COUNT receives: with the values above that takes ~${deployedMinutes} min in AWS (AWS advises`,
      "# such values, so that a slow or throttled batch is not retried too soon); with these, ~" + devSeconds + " s in dev,",
      `# and a handler running over ${devLimit} s times out in dev. Delete them to run dev with the deployed values.`,
      ...chosen.map(([key, value]) => `${devOnlyKey(key)}=${value}`),
    );
  }
  return lines.join("\n") + "\n";
}

