/**
 * The probe: a message `deploy --verify` sends through the deployed queue to
 * learn what the function's world is (`letsgo:probe`). The runtime answers it
 * itself, before the user's handlers, with one log line holding the report;
 * the verifier finds that line in the function's logs. The same report, made
 * in a process started as `dev` starts its handlers, is the other side of the
 * comparison. Names only: never a value of a variable or secret.
 */
import { accessSync, constants as fs, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { loadedSecretNames } from "./secrets.js";

export { PROBE_MESSAGE_TYPE } from "./messageTypes.js";
/** The `msg` of the report's log line. */
export const PROBE_LOG_MESSAGE = "worker probe";

export interface ProbePayload {
  /** Finds the report among the function's log lines. */
  probeId: string;
  /** Variable names the verifier asks about: the report says which are set. */
  names?: string[];
}

/** What a handler's process sees of its world. */
export interface WorldReport {
  node: string;
  arch: string;
  platform: string;
  /** AWS_LAMBDA_FUNCTION_MEMORY_SIZE, MB. */
  memoryMb: number | null;
  /** V8's heap limit, MB: what the runtime's flags make of the memory. */
  heapLimitMb: number;
  region: string | null;
  timeZone: string;
  /** Can the handler write to /tmp, and to its code's folder (LAMBDA_TASK_ROOT)? */
  tmpWritable: boolean;
  taskRootWritable: boolean;
  /** Of the names asked about, those set in the environment. */
  variablesSet: string[];
  /** Secrets read from SSM at start (LETSGO_SECRETS_PATH): names only. */
  secretsFromSsm: string[];
}

/** True when a file can be made in `dir` (not only its mode bits: a read-only mount refuses too). */
function canWriteIn(dir: string | undefined): boolean {
  if (!dir) return false;
  try {
    accessSync(dir, fs.W_OK);
    const probeDir = mkdtempSync(path.join(dir, ".letsgo-probe-"));
    writeFileSync(path.join(probeDir, "x"), "");
    rmSync(probeDir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

export function describeWorld(names: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): WorldReport {
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return {
    node: process.version,
    arch: process.arch,
    platform: process.platform,
    memoryMb: Number.isFinite(memory) && memory > 0 ? memory : null,
    heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
    region: env.AWS_REGION ?? null,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    tmpWritable: canWriteIn(os.tmpdir()),
    taskRootWritable: canWriteIn(env.LAMBDA_TASK_ROOT),
    variablesSet: names.filter((name) => env[name] !== undefined && env[name] !== "").sort(),
    secretsFromSsm: [...loadedSecretNames()].sort(),
  };
}

/** The probe's payload, checked: a verifier's, or undefined for anything else. */
export function probePayload(payload: unknown): ProbePayload | undefined {
  const candidate = payload as Partial<ProbePayload> | null;
  if (typeof candidate?.probeId !== "string" || candidate.probeId === "") return undefined;
  const names = Array.isArray(candidate.names) ? candidate.names.filter((name): name is string => typeof name === "string") : [];
  return { probeId: candidate.probeId, names };
}
