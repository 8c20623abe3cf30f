/**
 * What every command that talks to AWS shares: the flags that pick the account,
 * region and deployment, and asking yes/no on a terminal before a change.
 */
import type { Command } from "commander";
import { UsageError } from "../errors.js";

export interface AwsFlags {
  cwd: string;
  region?: string;
  profile?: string;
  deployment?: string;
}

/** Flags every command that talks to AWS shares. */
export function addAwsOptions(command: Command): Command {
  return command
    .option("--cwd <dir>", "project directory", ".")
    .option("--region <region>", "AWS region (default: AWS_REGION, the profile's region, then LETSGO_WORKER_REGION)")
    .option("--profile <name>", "AWS profile (default: AWS_PROFILE or the default credential chain)")
    .option("--deployment <name>", "deployment name (default: LETSGO_DEPLOYMENT from the environment or apps/worker/.env, else main)");
}

export function awsOptions(flags: AwsFlags) {
  return {
    cwd: flags.cwd,
    region: flags.region,
    profile: flags.profile,
    deployment: flags.deployment,
  };
}

/** Can we ask a question? The prompt is drawn on stderr, so stdout stays clean for results (and --json). */
export function canAskOnTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Ask yes/no on a terminal; without one, the caller must have passed --yes. */
export async function confirmOnTerminal(question: string, flagHint: string): Promise<boolean> {
  if (!canAskOnTerminal()) {
    throw new UsageError(`No terminal to ask on: pass ${flagHint} to go ahead without confirmation.`);
  }
  const { default: prompts } = await import("prompts");
  const answer = (await prompts({ type: "confirm", name: "ok", message: question, initial: false, stdout: process.stderr })) as { ok?: boolean };
  return answer.ok === true;
}
