/**
 * Which worker a command that drives one talks to: a dev worker (`--url`,
 * LETSGO_LOCAL_QUEUE_URL) or the deployed one (`--aws` with its flags).
 */
import { UsageError } from "../errors.js";
import { loadSettings } from "../project/settings.js";

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

/** The dev worker's URL: --url, else LETSGO_LOCAL_QUEUE_URL (the environment, then apps/worker/.env; default http://localhost:3002). */
export async function devWorkerUrl(projectDir: string, url?: string): Promise<string> {
  if (url) return url;
  return (await loadSettings(projectDir)).settings.LETSGO_LOCAL_QUEUE_URL;
}

