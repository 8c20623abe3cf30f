/**
 * `--verify`, shared by `deploy` and `status`: send a probe through the deployed
 * queue, wait for the function's report, and print its world beside dev's.
 */
import type { Command } from "commander";
import { errorMessage, UsageError } from "../errors.js";
import type { VerifyResult } from "../aws/verify.js";
import { awsOptions, type AwsFlags } from "./awsOptions.js";
import { info, print, style } from "./output.js";

export interface VerifyFlags {
  verify?: boolean;
  verifyTimeout?: string;
}

export function addVerifyOptions(command: Command, after: string): Command {
  return command
    .option(
      "--verify",
      `${after}, send one probe message through the deployed queue and wait for the function's report of its world (Node.js, architecture, memory, ` +
        "region, variables and secrets by name, writable paths); print it beside what `dev` gives a handler, with every difference. Exit 1 when no report comes.",
    )
    .option("--verify-timeout <seconds>", "how long --verify waits for the function's report", "120");
}

function timeoutMs(value: string | undefined): number {
  const seconds = Number(value ?? "120");
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw new UsageError(`--verify-timeout takes whole seconds from 1 to 3600, got "${value}".`);
  return seconds * 1000;
}

/** Checked before any AWS call, so a typo does not cost a deploy first. */
export function checkVerifyFlags(flags: VerifyFlags): void {
  if (flags.verify) timeoutMs(flags.verifyTimeout);
}

export interface VerifyStep {
  /** --verify's part of the --json document: the result, or why there is none. */
  json: { verify: VerifyResult | { error: string } };
  /** After the document is printed: a failed verification still ends the command with its error. */
  rethrow(): void;
}

/**
 * With --json a failed verification must not lose the document (a deploy may
 * have been applied): the error goes into it, and is rethrown once printed.
 */
export async function verifyStep(flags: AwsFlags & VerifyFlags, json: boolean): Promise<VerifyStep> {
  if (!json) {
    const result = await runVerify(flags, false);
    return { json: { verify: result }, rethrow: () => {} };
  }
  try {
    return { json: { verify: await runVerify(flags, true) }, rethrow: () => {} };
  } catch (error) {
    return {
      json: { verify: { error: errorMessage(error) } },
      rethrow: () => {
        throw error;
      },
    };
  }
}

async function runVerify(flags: AwsFlags & VerifyFlags, json: boolean): Promise<VerifyResult> {
  const [{ verifyDeployment, worldRows }, { devWorldReport }] = await Promise.all([import("../aws/verify.js"), import("../dev/pool/worldReport.js")]);
  const result = await verifyDeployment({ ...awsOptions(flags), devWorld: devWorldReport, timeoutMs: timeoutMs(flags.verifyTimeout), onProgress: (message) => info(style.dim(message)) });
  if (!json) printVerifyResult(result, worldRows);
  return result;
}

function printVerifyResult(result: VerifyResult, worldRows: typeof import("../aws/verify.js").worldRows): void {
  const seconds = (result.latencyMs / 1000).toFixed(1);
  print(`Verified: the function handled probe ${result.probeId} in ${seconds} s${result.logStream ? ` (log stream ${result.logStream})` : ""}.`);
  const rows = worldRows(result.deployed, result.dev, result.asked);
  const differing = new Set(result.differences.map((d) => d.field));
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const deployedWidth = Math.max("deployed function".length, ...rows.map((r) => r.deployed.length));
  print(`  ${"".padEnd(labelWidth)}  ${"deployed function".padEnd(deployedWidth)}  dev`);
  for (const row of rows) {
    const mark = differing.has(row.field) ? style.yellow(" ≠") : "";
    print(`  ${row.label.padEnd(labelWidth)}  ${row.deployed.padEnd(deployedWidth)}  ${row.dev}${mark}`);
  }
  if (result.differences.length === 0) {
    print("No difference between the deployed function's world and dev's.");
    return;
  }
  print(`${result.differences.length} difference${result.differences.length === 1 ? "" : "s"}:`);
  for (const d of result.differences) {
    print(`  ${d.field}: deployed ${d.deployed}, dev ${d.dev}${d.note ? style.dim(` (${d.note})`) : ""}`);
  }
}
