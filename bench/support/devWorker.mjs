/**
 * `letsgo-worker dev` as a benchmark runs it: the real CLI in its own process,
 * on a temporary project (a bare no-op handler, or the scaffold `init` writes).
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnReady, stopProcess } from "./processes.mjs";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = path.join(REPO, "bin", "letsgo-worker.js");
export const BIN_REL = path.relative(REPO, BIN);

/**
 * A handler that does nothing; with BENCH_LATENCY_LOG set it appends
 * "<messageId> <monotonic ms>" per message as it starts, one write per batch.
 */
const NOOP_HANDLER = `
import { appendFileSync } from "node:fs";
const log = process.env.BENCH_LATENCY_LOG;
export async function handler(event: any) {
  if (log) {
    const at = Number(process.hrtime.bigint()) / 1e6;
    appendFileSync(log, event.Records.map((r: any) => r.messageId + " " + at).join("\\n") + "\\n");
  }
  return { batchItemFailures: [] };
}
`;

/** A project whose apps/worker/src/index.ts is the no-op handler; `env` goes to apps/worker/.env. */
export async function makeBareProject(env = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-"));
  await mkdir(path.join(dir, "apps", "worker", "src"), { recursive: true });
  await writeFile(path.join(dir, "apps", "worker", ".env"), Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  await writeFile(path.join(dir, "apps", "worker", "package.json"), '{"type":"module","private":true}');
  await writeFile(path.join(dir, "apps", "worker", "src", "index.ts"), NOOP_HANDLER);
  return dir;
}

/**
 * OrderNew's fields, as the benches' message carries them (peers/throughput.mjs): the
 * scaffold declares them, so dev's payload check accepts what the bench sends.
 */
export const ORDER_FIELDS = ["orderId:string", "customerId:string", "amount:number", "currency:string", "items:Array<{ sku: string; quantity: number }>"];

/** The commands that make the scaffold project, as run (DIR stands for the temporary directory). */
export const SCAFFOLD_COMMANDS = [`node ${BIN_REL} init DIR --yes`, `node ${BIN_REL} add-message OrderNew --cwd DIR ${ORDER_FIELDS.map((f) => `--field '${f}'`).join(" ")}`];

/** `init --yes` then `add-message OrderNew` with the bench message's fields, left as they write it. */
export async function makeScaffoldProject() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-scaffold-"));
  for (const args of [["init", dir, "--yes"], ["add-message", "OrderNew", "--cwd", dir, ...ORDER_FIELDS.flatMap((f) => ["--field", f])]]) {
    const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`letsgo-worker ${args.join(" ")} failed:\n${result.stderr}`);
  }
  return dir;
}

/**
 * Start `letsgo-worker dev --cwd dir --port 0 ...args` and wait until it reports
 * ready: its `ready` JSON line with --json, else its banner's first line (the URL).
 * `env` reaches dev and, by --pass-env, the handler; `bin`: another letsgo-worker
 * (a project's installed one), else this checkout's.
 */
export async function startDev(dir, { args = [], env = {}, bin = BIN } = {}) {
  // dev gives the handler none of the shell's variables (as Lambda): the bench's own go through --pass-env.
  const passEnv = Object.keys(env).flatMap((name) => ["--pass-env", name]);
  const argv = [bin, "dev", "--cwd", dir, "--port", "0", ...args, ...passEnv];
  const ready = args.includes("--json") ? /\{"event":"ready"[^\n]*?"url":"([^"]+)"/ : /letsgo-worker dev\s+(http:\/\/\S+)/;
  const { child, match, readyMs } = await spawnReady(process.execPath, argv, { ready, env });
  return { child, url: match[1], readyMs, command: devCommand(args) };
}

/** The dev command line as printed, the project directory left out; `program`: how letsgo-worker is run. */
export function devCommand(args = [], program = `node ${BIN_REL}`) {
  return `${program} dev --cwd <project> --port 0${args.length ? " " + args.join(" ") : ""}`;
}

export function stopDev(dev) {
  return stopProcess(dev.child, 30_000);
}

export async function devStats(url) {
  const res = await fetch(`${url}/stats`);
  return res.json();
}

/** Messages dev accepted and has not finished: visible, in flight or delayed. */
export function unfinished(stats) {
  return stats.visible + stats.inFlight + stats.delayed;
}

/** Poll /stats until `processed` reaches `count`. */
export async function waitProcessed(url, count) {
  for (;;) {
    const stats = await devStats(url);
    if (stats.processed >= count) return stats;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
