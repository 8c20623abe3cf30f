/**
 * Where deploy's settings come from, when apps/worker/.env is missing. The
 * file is gitignored, so a teammate or a CI job without it would otherwise
 * deploy deployment `main` from the defaults, with no secrets, without a word.
 * `deploy` says so, compares with apps/worker/.env.example when there is one,
 * and refuses to deploy from the defaults alone unless --deployment names the
 * deployment on purpose (a dry run only warns).
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { SettingsError } from "../errors.js";
import { envToRecord } from "./dotenv.js";
import { SETTINGS, SETTING_KEYS, resolveSettings, type LoadedSettings, type SettingKey, type Settings } from "./settings.js";

export interface SettingsSource {
  /** apps/worker/.env exists. */
  envFile: boolean;
  /** Settings exported in the environment (they win over the file, as in CI). */
  exported: SettingKey[];
  /** apps/worker/.env.example, when there is one and apps/worker/.env is missing. */
  example?: ExampleComparison;
}

export interface ExampleComparison {
  /** Relative to the project, for messages. */
  file: string;
  /** Non-secret settings the example sets to another value than this deploy uses. */
  differs: Array<{ key: SettingKey; example: string; used: string }>;
  /** Secrets and variables of your own it lists, which this deploy goes without (names only). */
  missing: string[];
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** Look at apps/worker/.env (and .env.example) beside the settings `loaded` from them. */
export async function readSettingsSource(
  projectDir: string,
  loaded: LoadedSettings,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<SettingsSource> {
  const exported = SETTING_KEYS.filter((key) => environment[key] !== undefined);
  if (await exists(loaded.envFile)) return { envFile: true, exported };
  const exampleFile = `${loaded.envFile}.example`;
  let text: string;
  try {
    text = await readFile(exampleFile, "utf8");
  } catch {
    return { envFile: false, exported };
  }
  return { envFile: false, exported, example: compareWithExample(envToRecord(text), loaded, path.relative(projectDir, exampleFile)) };
}

/**
 * What the example sets that this deploy does not: values of plain settings
 * (read as the example would set them), names of everything secret.
 */
export function compareWithExample(example: Record<string, string>, loaded: Pick<LoadedSettings, "settings" | "extra">, file: string): ExampleComparison {
  let resolved: Settings | undefined;
  try {
    resolved = resolveSettings(example).settings;
  } catch {
    resolved = undefined; // an example with a value deploy would refuse: compare names only
  }
  const differs: ExampleComparison["differs"] = [];
  const missing: string[] = [];
  for (const key of Object.keys(example)) {
    const spec = (SETTINGS as Record<string, { secret?: boolean }>)[key];
    if (!spec) {
      if (!(key in loaded.extra)) missing.push(key);
      continue;
    }
    const used = String(loaded.settings[key as SettingKey]);
    if (spec.secret) {
      if (used === "") missing.push(key);
    } else if (resolved && String(resolved[key as SettingKey]) !== used) {
      differs.push({ key: key as SettingKey, example: String(resolved[key as SettingKey]), used });
    }
  }
  return { differs, missing, file };
}

/** Nothing but defaults: no .env and no setting exported. */
export function fromDefaultsAlone(source: SettingsSource): boolean {
  return !source.envFile && source.exported.length === 0;
}

/** Without .env the only secrets are secret settings exported in the environment. */
function secretNames(loaded: Pick<LoadedSettings, "settings">): string[] {
  return SETTING_KEYS.filter((key) => (SETTINGS[key] as { secret?: boolean }).secret && loaded.settings[key] !== "");
}

const shown = (value: string) => (value === "" ? "(empty)" : value);

function exampleAdvice(example: ExampleComparison): string[] {
  const lines: string[] = [];
  if (example.differs.length > 0) {
    lines.push(`${example.file} sets ${example.differs.map((d) => `${d.key}=${shown(d.example)} instead of ${shown(d.used)}`).join(", ")}.`);
  }
  if (example.missing.length > 0) lines.push(`${example.file} also lists ${example.missing.join(", ")}, which this deploy goes without.`);
  lines.push(`To deploy what it describes: cp ${example.file} ${example.file.replace(/\.example$/, "")}, then fill in the secrets.`);
  return lines;
}

/**
 * The warning for a missing apps/worker/.env: what this deploy uses instead
 * (region: where it deploys), and how the example differs. Undefined when the
 * file exists. Never a secret's value: names only.
 */
export function missingEnvFileWarning(source: SettingsSource, loaded: Pick<LoadedSettings, "settings">, region: string): string | undefined {
  if (source.envFile) return undefined;
  const secrets = secretNames(loaded);
  const used = `deployment ${loaded.settings.LETSGO_DEPLOYMENT}, region ${region}, ${secrets.length === 0 ? "no secrets" : `secrets ${secrets.join(", ")}`}`;
  const whence = source.exported.length === 0 ? "the defaults" : `the defaults and ${source.exported.join(", ")} from the environment`;
  return [`no apps/worker/.env: using ${whence} (${used})`, ...(source.example ? exampleAdvice(source.example) : [])].join("\n  ");
}

/** Refuse to deploy from the defaults alone (no .env, nothing exported) unless --deployment was given. */
export function refuseDefaultsAlone(source: SettingsSource, loaded: Pick<LoadedSettings, "settings">, deploymentFlag: string | undefined): void {
  if (!fromDefaultsAlone(source) || deploymentFlag !== undefined) return;
  throw new SettingsError(
    [
      `No apps/worker/.env and no LETSGO_* settings in the environment: deploy would create or update deployment ` +
        `"${loaded.settings.LETSGO_DEPLOYMENT}" from the defaults alone, with no secrets. Nothing was changed.`,
      ...(source.example ? exampleAdvice(source.example) : ["Create apps/worker/.env (letsgo-worker init writes one), or export the settings as CI does."]),
      `To deploy the defaults on purpose, name the deployment: --deployment <name>. deploy --dry-run shows the plan.`,
    ].join("\n"),
  );
}
