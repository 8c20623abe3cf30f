#!/usr/bin/env node
/**
 * Durability of `letsgo-worker dev` under kill -9 and a full disk: the real CLI
 * in its own process, senders here, a handler that appends each message id it
 * handles to a log. Prints the machine, the command, and for each run:
 *   accepted    messages that got a 201
 *   handled     accepted messages the handler ran at least once
 *   lost        accepted messages never handled (must be 0)
 *   duplicated  extra runs of accepted messages (a message in flight at a kill
 *               runs again after its visibility timeout: SQS's at-least-once)
 * and how many handled messages never got a 201 (the kill cut the reply after
 * the message was on disk: the sender would retry).
 *
 * 1. kill -9 cycles: dev is killed at a random moment while 4 senders post and
 *    the handler runs, then restarted; after the last cycle the queue drains.
 * 2. full-disk trials (root only): the state directory on a 2 MB tmpfs with a
 *    ballast file; 8 KB messages until every sender gets 503; the ballast is
 *    deleted; accepting must resume by itself; more messages; kill -9 while
 *    sending; restart and drain.
 *
 * Usage: npx tsc -p tsconfig.json && node bench/durability.mjs [--cycles 20] [--trials 5]
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, statfs, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "letsgo-worker.js");
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const CYCLES = arg("cycles", 20);
const TRIALS = arg("trials", 5);

const HANDLER = `
import { appendFileSync } from "node:fs";
export async function handler(event: any) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  appendFileSync(process.env.BENCH_HANDLED_LOG!, event.Records.map((r: any) => r.messageId + "\\n").join(""));
  return { batchItemFailures: [] };
}
`;
const ENV = {
  LETSGO_WORKER_VISIBILITY_TIMEOUT: 2,
  LETSGO_WORKER_FUNCTION_TIMEOUT: 2,
  LETSGO_WORKER_MAX_RECEIVE_COUNT: 1000,
  LETSGO_WORKER_BATCHING_WINDOW: 0,
  LETSGO_WORKER_SCHEDULE: "",
};

async function makeProject() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-durability-"));
  const worker = path.join(dir, "apps", "worker");
  await mkdir(path.join(worker, "src"), { recursive: true });
  await writeFile(path.join(worker, ".env"), Object.entries(ENV).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  await writeFile(path.join(worker, "package.json"), '{"type":"module","private":true}');
  await writeFile(path.join(worker, "src", "index.ts"), HANDLER);
  return { dir, stateDir: path.join(worker, ".letsgo"), log: path.join(dir, "handled.log") };
}

async function startDev(project) {
  const args = [BIN, "dev", "--cwd", project.dir, "--port", "0", "--json", "--no-watch", "--no-schedule"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BENCH_HANDLED_LOG: project.log } });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  let buffer = "";
  const url = await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`dev exited with ${code}: ${stderr}`)));
    child.stdout.setEncoding("utf8").on("data", function onData(chunk) {
      buffer += chunk;
      const line = buffer.split("\n").find((l) => l.startsWith('{"event":"ready"'));
      if (!line) return;
      child.stdout.off("data", onData);
      child.stdout.resume();
      resolve(JSON.parse(line).url);
    });
  });
  return { child, url };
}

async function kill(dev, signal = "SIGKILL") {
  if (dev.child.exitCode !== null || dev.child.signalCode !== null) return;
  const exited = once(dev.child, "exit");
  dev.child.kill(signal);
  await exited;
}

async function call(url, method, pathname, body) {
  const response = await fetch(`${url}${pathname}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: await response.json() };
}

/** Post until `stop()` says so (or a request fails: the process was killed); 201 ids go into `accepted`. */
async function sender(url, accepted, message, stop, refused = () => false) {
  for (let i = 0; !stop(); i++) {
    let reply;
    try {
      reply = await call(url, "POST", "/", message(i));
    } catch {
      return; // killed
    }
    if (reply.status === 201) for (const id of reply.body.messageIds) accepted.add(id);
    else if (refused(reply)) return;
  }
}

async function until(what, check, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Start dev once more and wait until every message is handled and deleted on disk. */
async function drain(project) {
  const dev = await startDev(project);
  await until("the queue to drain", async () => {
    const stats = (await call(dev.url, "GET", "/stats")).body;
    if (stats.visible + stats.inFlight + stats.delayed + stats.dead > 0) return false;
    return (await call(dev.url, "GET", "/health")).body.journal?.unwritten === 0;
  });
  await kill(dev, "SIGTERM");
}

async function figures(project, accepted) {
  const runs = new Map();
  for (const id of (await readFile(project.log, "utf8").catch(() => "")).split("\n").filter(Boolean)) runs.set(id, (runs.get(id) ?? 0) + 1);
  let handled = 0;
  let duplicated = 0;
  for (const id of accepted) {
    const count = runs.get(id) ?? 0;
    if (count > 0) handled++;
    if (count > 1) duplicated += count - 1;
  }
  const without201 = [...runs.keys()].filter((id) => !accepted.has(id)).length;
  return { accepted: accepted.size, handled, lost: accepted.size - handled, duplicated, without201 };
}

const show = (f) =>
  `accepted ${f.accepted}  handled ${f.handled}  lost ${f.lost}  duplicated ${f.duplicated}` +
  (f.without201 ? `  (+${f.without201} handled without a 201: the kill cut the reply)` : "");

async function killCycles() {
  const project = await makeProject();
  const accepted = new Set();
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const dev = await startDev(project);
    const killAt = Date.now() + 150 + Math.random() * 450;
    const senders = Array.from({ length: 4 }, (_, lane) =>
      sender(dev.url, accepted, (i) => (i % 3 === 0 ? Array.from({ length: 10 }, (_, j) => ({ type: "Bulk", payload: { cycle, lane, i, j } })) : { type: "One", payload: { cycle, lane, i } }), () => false),
    );
    await new Promise((resolve) => setTimeout(resolve, killAt - Date.now()));
    await kill(dev);
    await Promise.all(senders);
  }
  await drain(project);
  const result = await figures(project, accepted);
  await rm(project.dir, { recursive: true, force: true });
  return result;
}

async function fullDiskTrial(trial) {
  const project = await makeProject();
  await mkdir(project.stateDir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", project.stateDir]);
  try {
    const accepted = new Set();
    const dev = await startDev(project);
    const { bavail, bsize } = await statfs(project.stateDir);
    const ballast = path.join(project.stateDir, "ballast");
    await writeFile(ballast, Buffer.alloc(Math.max(0, bavail * bsize - 300 * 1024)));
    const big = (lane) => (i) => ({ type: "Big", payload: { trial, lane, i, fill: "x".repeat(8000) } });
    let refusals = 0;
    const refused = (reply) => reply.status === 503 && ++refusals > 0; // a sender stops at its first 503
    await Promise.all(Array.from({ length: 4 }, (_, lane) => sender(dev.url, accepted, big(lane), () => false, refused)));
    const health = await call(dev.url, "GET", "/health");
    if (health.status !== 503) throw new Error(`trial ${trial}: /health said ${health.status} on a full disk`);
    const full = accepted.size;
    await rm(ballast);
    const freedAt = Date.now();
    await until("accepting to resume", async () => (await call(dev.url, "GET", "/health")).status === 200, 30_000);
    const resumeMs = Date.now() - freedAt;
    // More messages, and kill -9 while they are being sent and handled.
    const killAt = Date.now() + 100 + Math.random() * 300;
    const senders = Array.from({ length: 4 }, (_, lane) => sender(dev.url, accepted, big(lane + 4), () => false));
    await new Promise((resolve) => setTimeout(resolve, killAt - Date.now()));
    await kill(dev);
    await Promise.all(senders);
    await drain(project);
    return { ...(await figures(project, accepted)), refusals, full, resumeMs };
  } finally {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        execFileSync("umount", [project.stateDir], { stdio: "ignore" });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await rm(project.dir, { recursive: true, force: true });
  }
}

const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, ${os.platform()} ${os.release()}`);
console.log(`bench:   node bench/durability.mjs --cycles ${CYCLES} --trials ${TRIALS}`);
console.log(`dev:     node bin/letsgo-worker.js dev --cwd <temp project> --port 0 --json --no-watch --no-schedule  (${Object.entries(ENV).map(([k, v]) => `${k}=${v}`).join(" ")})`);

const cycles = await killCycles();
console.log(`kill -9, ${CYCLES} cycles (4 senders, 1- and 10-message POSTs, killed 150-600 ms into each run): ${show(cycles)}`);

if (process.getuid?.() !== 0) {
  console.log("full disk: skipped (needs root to mount a 2 MB tmpfs)");
} else {
  const total = { accepted: 0, handled: 0, lost: 0, duplicated: 0, without201: 0 };
  for (let trial = 1; trial <= TRIALS; trial++) {
    const f = await fullDiskTrial(trial);
    for (const key of Object.keys(total)) total[key] += f[key];
    console.log(`full disk, trial ${trial}: ${f.full} accepted until the disk was full, ${f.refusals} senders refused with 503, resumed ${f.resumeMs} ms after space was freed; ${show(f)}`);
  }
  console.log(`full disk, ${TRIALS} trials (2 MB tmpfs, 8 KB messages, kill -9 after resuming): ${show(total)}`);
}
