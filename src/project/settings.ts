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
    const spec = (SETTINGS as Record<string, Spec>)[key];
    if (!spec) {
      extra[key] = value;
      continue;
    }
    if (spec.kind === "int") {
      if (value.trim() === "") continue; // empty means "use the default"
      if (!/^-?\d+$/.test(value.trim())) {
        throw new SettingsError(`${where(key)}: ${key} must be a whole number, got "${value}".`);
      }
      const n = Number(value);
      if (n < spec.min || n > spec.max) {
        throw new SettingsError(`${where(key)}: ${key} must be between ${spec.min} and ${spec.max}, got ${n}.`);
      }
      settings[key] = n;
    } else {
      if (spec.oneOf && value !== "" && !spec.oneOf.includes(value)) {
        throw new SettingsError(`${where(key)}: ${key} must be one of ${spec.oneOf.join(", ")}, got "${value}".`);
      }
      settings[key] = value === "" && key !== "LETSGO_WORKER_SCHEDULE" ? spec.default : value;
    }
  }
  checkPlainEnv(settings as Settings, where);
  return { settings: settings as Settings, extra };
}

export interface LoadedSettings {
  settings: Settings;
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
  for (const key of SETTING_KEYS) {
    const value = environment[key];
    if (value !== undefined) {
      raw[key] = value;
      origins.set(key, `environment variable ${key}`);
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) {
      raw[key] = String(value);
      origins.set(key, `--${settingFlag(key)}`);
    }
  }
  const { settings, extra } = resolveSettings(raw, (key) => origins.get(key) ?? key);
  return { settings, extra, envFile };
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

/** The .env file `init` writes: every setting, its default and what it does. */
export function renderEnvFile(values: Partial<Record<SettingKey, string | number>> = {}): string {
  const lines = ["# letsgo-worker settings. `letsgo-worker dev` and `deploy` both read this file.", ""];
  for (const key of SETTING_KEYS) {
    const spec: Spec = SETTINGS[key];
    lines.push(`# ${spec.help}${spec.kind === "int" ? ` (${spec.min}-${spec.max})` : ""}`);
    const value = values[key] ?? spec.default;
    lines.push(`${key}=${formatValue(String(value))}`);
  }
  return lines.join("\n") + "\n";
}

