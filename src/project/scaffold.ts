/**
 * `letsgo-worker init`: writes the worker component into a project in the layout
 * LetsGo users know. Existing files are kept unless `force`; the root package.json
 * and .gitignore are amended, never replaced.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { replaceFile } from "../files/atomicFile.js";
import path from "node:path";
import { QUICK_DEV_RETRIES, renderEnvFile, type SettingKey } from "./settings.js";
import { checkDeploymentName } from "./names.js";
import { SLACK_STRIPE_EVENT_TYPES, STRIPE_EVENT_TYPES, stripeHandlerName } from "./stripeEvents.js";
import { fillTemplate, listTemplateFiles, readTemplate } from "./templates.js";
import { workerPaths } from "./paths.js";
import { updatePayloadSchemasModule } from "./payloadSchemasModule.js";
import { existsSync } from "node:fs";
import { VERSION } from "../version.js";
import { parseScheduleSetting } from "../schedule/index.js";
import { checkRegion } from "../aws/region.js";

export interface ScaffoldOptions {
  dir: string;
  deployment: string;
  region: string;
  schedule: string;
  timezone: string;
  /** The function's architecture (LETSGO_WORKER_ARCHITECTURE). */
  architecture: string;
  /** "quick": dev-only values that show a failure's whole path in under a minute (QUICK_DEV_RETRIES); "deployed": dev uses the deployed ones. */
  devRetries: "quick" | "deployed";
  force?: boolean;
}

export interface ScaffoldResult {
  projectDir: string;
  created: string[];
  replaced: string[];
  kept: string[];
  amended: string[];
  /** True when .env was written now (the caller then generates the key pair). */
  envCreated: boolean;
}

interface PlannedFile {
  path: string; // relative to the project root, with forward slashes
  content: string;
}

const WORKSPACES = ["apps/*", "packages/*"];
const GITIGNORE_ENTRIES = ["node_modules/", "apps/worker/.env", "apps/worker/.letsgo/"];

export async function scaffoldProject(options: ScaffoldOptions): Promise<ScaffoldResult> {
  checkDeploymentName(options.deployment);
  // The same check deploy makes: a schedule AWS would reject never reaches .env.
  parseScheduleSetting(options.schedule, options.timezone);
  checkRegion(options.region, "--region");
  const projectDir = path.resolve(options.dir);
  await mkdir(projectDir, { recursive: true });
  const result: ScaffoldResult = { projectDir, created: [], replaced: [], kept: [], amended: [], envCreated: false };

  for (const file of await planFiles(options)) {
    const target = path.join(projectDir, file.path);
    const existing = await readIfExists(target);
    if (existing !== undefined && !options.force) {
      result.kept.push(file.path);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
    if (existing === undefined) result.created.push(file.path);
    else if (existing !== file.content) result.replaced.push(file.path);
    else result.kept.push(file.path);
    if (file.path === "apps/worker/.env") result.envCreated = true;
  }

  // The app's enqueue() checks payloads with shapes derived from the types just written.
  const paths = workerPaths(projectDir);
  const { derivePayloadSchemas } = await import("./payloadSchemas.js");
  const existed = existsSync(paths.payloadSchemasModule);
  if (await updatePayloadSchemasModule(paths, derivePayloadSchemas(paths.typesIndex).schemas)) {
    (existed ? result.replaced : result.created).push("packages/queue/payloadSchemas.ts");
  }
  if (await amendRootPackageJson(projectDir)) result.amended.push("package.json");
  if (await amendGitignore(projectDir)) result.amended.push(".gitignore");
  return result;
}

async function planFiles(options: ScaffoldOptions): Promise<PlannedFile[]> {
  const values = { toolVersion: VERSION, deployment: options.deployment };
  const files: PlannedFile[] = [];
  for (const relative of await listTemplateFiles("init")) {
    const posix = relative.split(path.sep).join("/");
    if (posix.endsWith(".tpl")) continue; // expanded below
    let content = await readTemplate(path.join("init", relative));
    if (posix === "apps/worker/src/handlers/stripeHandler.ts") content = fillStripeHandler(content);
    else content = fillTemplate(content, values);
    files.push({ path: posix, content });
  }

  const stub = await readTemplate("init/apps/worker/src/handlers/stripe/event.ts.tpl");
  const notifyingStub = await readTemplate("init/apps/worker/src/handlers/stripe/event-notify.ts.tpl");
  for (const eventType of STRIPE_EVENT_TYPES) {
    const handlerName = stripeHandlerName(eventType);
    files.push({
      path: `apps/worker/src/handlers/stripe/${handlerName}.ts`,
      content: fillTemplate(SLACK_STRIPE_EVENT_TYPES.has(eventType) ? notifyingStub : stub, { eventType, handlerName }),
    });
  }

  const chosen: Partial<Record<SettingKey, string>> = {
    LETSGO_DEPLOYMENT: options.deployment,
    LETSGO_WORKER_REGION: options.region,
    LETSGO_WORKER_SCHEDULE: options.schedule,
    LETSGO_WORKER_SCHEDULE_TIMEZONE: options.timezone,
    LETSGO_WORKER_ARCHITECTURE: options.architecture,
  };
  const devOnly = options.devRetries === "quick" ? QUICK_DEV_RETRIES : {};
  files.push({ path: "apps/worker/.env", content: renderEnvFile(chosen, devOnly) });
  files.push({ path: "apps/worker/.env.example", content: renderEnvFile(chosen, devOnly) });
  return files;
}

function fillStripeHandler(template: string): string {
  const names = STRIPE_EVENT_TYPES.map((eventType) => ({ eventType, handlerName: stripeHandlerName(eventType) }));
  return fillTemplate(template, {
    imports: names.map(({ handlerName }) => `import { ${handlerName} } from "./stripe/${handlerName}";`).join("\n"),
    entries: names.map(({ eventType, handlerName }) => `  "${eventType}": ${handlerName},`).join("\n"),
  });
}

/** Add npm workspaces so `@letsgo/types` resolves; create package.json if there is none. */
async function amendRootPackageJson(projectDir: string): Promise<boolean> {
  const file = path.join(projectDir, "package.json");
  const text = await readIfExists(file);
  if (text === undefined) {
    const pkg = { name: path.basename(projectDir).toLowerCase().replace(/[^a-z0-9-]/g, "-"), private: true, workspaces: WORKSPACES };
    await replaceFile(file, JSON.stringify(pkg, null, 2) + "\n");
    return true;
  }
  const pkg = JSON.parse(text) as { workspaces?: string[] | { packages?: string[] } };
  const list = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const missing = WORKSPACES.filter((entry) => !list.includes(entry));
  if (missing.length === 0) return false;
  if (Array.isArray(pkg.workspaces) || pkg.workspaces === undefined) pkg.workspaces = [...list, ...missing];
  else pkg.workspaces.packages = [...list, ...missing];
  const indent = /^\{\r?\n([ \t]+)/.exec(text)?.[1] ?? "  ";
  await replaceFile(file, JSON.stringify(pkg, null, indent) + "\n");
  return true;
}

async function amendGitignore(projectDir: string): Promise<boolean> {
  const file = path.join(projectDir, ".gitignore");
  const text = (await readIfExists(file)) ?? "";
  const present = new Set(text.split(/\r?\n/).map((line) => line.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry));
  if (missing.length === 0) return false;
  const prefix = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
  await replaceFile(file, `${text}${prefix}# letsgo-worker: local settings (secrets) and dev-worker state\n${missing.join("\n")}\n`);
  return true;
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
