/**
 * Which worker a command that drives one talks to: a dev worker (`--url`,
 * LETSGO_LOCAL_QUEUE_URL) or the deployed one (`--aws` with its flags).
 */
import { realpathSync } from "node:fs";
import path from "node:path";
import { readRunningWorker } from "../dev/runningWorker.js";
import { ProjectError, UsageError } from "../errors.js";
import { anotherProjectText, projectName } from "../project/identity.js";
import { hasWorker, workerPaths } from "../project/paths.js";
import { LOCAL_QUEUE_URL_ENV } from "../queue/constants.js";
import { loadSettings } from "../project/settings.js";
import { callDevWorker } from "./devWorkerApi.js";

/** What `enqueue` and `dlq` flags say about the target; checked before anything is sent. */
export interface TargetFlags {
  aws?: boolean;
  url?: string;
  region?: string;
  profile?: string;
  deployment?: string;
}

/** `--url` is for the dev worker, `--region/--profile/--deployment` for `--aws`: refuse a mix. */
export function checkTargetFlags(flags: TargetFlags): void {
  if (flags.aws) {
    if (flags.url !== undefined) throw new UsageError("--url names a dev worker; drop it when using --aws (the deployed queue is found by its name).");
    return;
  }
  const awsOnly = (["region", "profile", "deployment"] as const).filter((flag) => flags[flag] !== undefined);
  if (awsOnly.length > 0) {
    throw new UsageError(`${awsOnly.map((flag) => `--${flag}`).join(", ")} only ${awsOnly.length === 1 ? "applies" : "apply"} to the deployed queue: add --aws (without it the command talks to the dev worker).`);
  }
}

/**
 * The dev worker's URL, and that it serves this project: --url; else the dev
 * worker this project runs (its record in apps/worker/.letsgo, whatever port it
 * took); else LETSGO_LOCAL_QUEUE_URL (the environment, then apps/worker/.env;
 * default http://localhost:3002).
 */
export async function devWorkerUrl(projectDir: string, url?: string): Promise<string> {
  const paths = workerPaths(projectDir);
  // No project here, and no worker named: whatever answers on the default port may be anyone's.
  if (url === undefined && !hasWorker(paths.root) && !process.env[LOCAL_QUEUE_URL_ENV]) {
    throw new ProjectError(
      `No letsgo-worker project in ${paths.root} (no apps/worker): nothing was sent. ` +
        `Pass --cwd <project> to reach that project's dev worker, or --url <http://...> to name one.`,
    );
  }
  const chosen = url ?? (await readRunningWorker(paths.stateDir))?.url ?? (await loadSettings(projectDir)).settings.LETSGO_LOCAL_QUEUE_URL;
  await checkServesProject(chosen, paths.root);
  return chosen;
}

/**
 * Refuse to send to another project's dev worker (two projects, one default
 * port): its /health names the project it runs. Unreachable, or an older dev
 * that does not say: the request that follows reports what it finds.
 */
async function checkServesProject(url: string, root: string): Promise<void> {
  if (!hasWorker(root)) return; // no project here: nothing to compare
  let reply;
  try {
    reply = await callDevWorker(url, "/health");
  } catch {
    return;
  }
  const serves = (reply.body as { project?: { root?: unknown; name?: unknown } } | null)?.project;
  if (typeof serves?.root !== "string" || samePath(serves.root, root)) return;
  throw new ProjectError(anotherProjectText(url, { root: serves.root, ...(typeof serves.name === "string" ? { name: serves.name } : {}) }, { name: projectName(root), root }));
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

