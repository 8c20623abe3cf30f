/**
 * What `dev` gives a handler, as the probe reports it (runtime/probe.ts): the
 * report is made in a process started as dev starts its handler processes,
 * with this machine's Node, the heap flags of the function's memory
 * (lambdaNodeFlags), the environment handlerWorldEnv builds and a task root of
 * its own. `deploy --verify` sets it beside the deployed function's report.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Settings } from "../../project/settings.js";
import { runScriptProcess } from "../../project/scriptProcess.js";
import type { WorldReport } from "../../runtime/probe.js";
import { lambdaNodeFlags } from "./handlerProcess.js";
import { handlerWorldEnv } from "./handlerWorld.js";

/** Where a handler's enqueue() would go: dev's default address (nothing is sent). */
const DEV_URL = "http://127.0.0.1:3002";

export async function devWorldReport(settings: Settings, extra: Record<string, string>, names: readonly string[]): Promise<WorldReport> {
  const taskRoot = await mkdtemp(path.join(os.tmpdir(), "letsgo-world-"));
  try {
    return await runScriptProcess<WorldReport>(import.meta.url, "worldReportProcess", [JSON.stringify(names)], {
      timeoutMs: 30_000,
      what: "the dev world report",
      env: handlerWorldEnv(settings, extra, { url: DEV_URL, taskRoot }),
      cwd: taskRoot,
      nodeFlags: lambdaNodeFlags(settings.LETSGO_WORKER_MEMORY),
    });
  } finally {
    await rm(taskRoot, { recursive: true, force: true });
  }
}
