#!/usr/bin/env node
/**
 * Benchmark of `letsgo-worker dev` with a no-op handler: the real CLI in its own
 * process, a load generator here. Prints the machine, the command, and:
 *   1. messages/s accepted and handled end to end, single-message POSTs over keep-alive
 *   2. the same with 10-message array bodies
 *   3. p50/p99 latency from the 201 reply to the handler starting, at 1,000 messages/s
 *   4. peak memory of the dev process with 100,000 messages waiting (and restart time)
 * and, after each throughput run, how many handler processes the pool ran and their memory.
 *
 * Usage: npx tsc -p tsconfig.json && node bench/dev.mjs [--quick]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "letsgo-worker.js");
const quick = process.argv.includes("--quick");
/** --only=throughput|latency|memory runs one part. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
const part = (name) => !only || only === name;
const scale = quick ? 0.1 : 1;

const NOOP_HANDLER = `
import { appendFileSync } from "node:fs";
const log = process.env.BENCH_LATENCY_LOG;
export async function handler(event: any) {
  if (log) {
    const at = performance.timeOrigin + performance.now();
    appendFileSync(log, event.Records.map((r: any) => r.messageId + " " + at).join("\\n") + "\\n");
  }
  return { batchItemFailures: [] };
}
`;

async function makeProject(env = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-"));
  await mkdir(path.join(dir, "apps", "worker", "src"), { recursive: true });
  await writeFile(path.join(dir, "apps", "worker", ".env"), Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  await writeFile(path.join(dir, "apps", "worker", "package.json"), '{"type":"module","private":true}');
  await writeFile(path.join(dir, "apps", "worker", "src", "index.ts"), NOOP_HANDLER);
  return dir;
}

async function startDev(dir, env = {}) {
  const args = [BIN, "dev", "--cwd", dir, "--port", "0", "--json", "--no-watch"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const started = performance.now();
  let buffer = "";
  const url = await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`dev exited with ${code}`)));
    child.stdout.setEncoding("utf8").on("data", function onData(chunk) {
      buffer += chunk;
      const line = buffer.split("\n").find((l) => l.startsWith('{"event":"ready"'));
      if (!line) return;
      child.stdout.off("data", onData);
      child.stdout.resume(); // keep draining the log lines
      resolve(JSON.parse(line).url);
    });
  });
  return { child, url, startMs: performance.now() - started, command: `node ${path.relative(process.cwd(), BIN)} ${args.slice(1).join(" ")}` };
}

async function stopDev(dev) {
  dev.child.kill("SIGTERM");
  await once(dev.child, "exit");
}

/**
 * A minimal HTTP/1.1 keep-alive client: one request at a time per connection (no
 * pipelining), far lighter than node:http's client, so on 2 cores the load
 * generator does not starve the worker it measures.
 */
class Connection {
  constructor(url) {
    const { hostname, port } = new URL(url);
    this.host = `${hostname}:${port}`;
    this.socket = net.connect(Number(port), hostname);
    this.socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.pending = null;
    this.socket.on("data", (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    this.socket.on("error", (error) => this.pending?.reject(error));
  }
  request(method, path, body = "") {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }
  parse() {
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = this.buffer.toString("latin1", 0, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString("utf8", end + 4, end + 4 + length);
    this.buffer = this.buffer.subarray(end + 4 + length);
    const pending = this.pending;
    this.pending = null;
    pending.resolve({ status, body });
  }
  close() {
    this.socket.destroy();
  }
}

const pools = new Map();
function connection(url) {
  let pool = pools.get(url);
  if (!pool) pools.set(url, (pool = { idle: [], all: [] }));
  const conn = pool.idle.pop() ?? new Connection(url);
  if (!pool.all.includes(conn)) pool.all.push(conn);
  return { conn, release: () => pool.idle.push(conn) };
}
function closeConnections() {
  for (const pool of pools.values()) for (const conn of pool.all) conn.close();
  pools.clear();
}

async function send(url, body, query = "") {
  const { conn, release } = connection(url);
  const reply = await conn.request("POST", `/${query}`, body);
  release();
  if (reply.status !== 201) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body).messageIds;
}

async function stats(url) {
  const res = await fetch(`${url}/stats`);
  return res.json();
}

async function waitProcessed(url, count) {
  for (;;) {
    const s = await stats(url);
    if (s.processed >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Send `total` messages, `perRequest` per POST, over `connections` keep-alive connections. */
async function throughput(label, total, perRequest, connections = 64) {
  const dir = await makeProject();
  const dev = await startDev(dir);
  const body = (i) => JSON.stringify(perRequest === 1 ? { type: "Bench", payload: { i } } : Array.from({ length: perRequest }, (_, j) => ({ type: "Bench", payload: { i, j } })));
  const requests = total / perRequest;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests) await send(dev.url, body(next++));
    }),
  );
  const accepted = performance.now() - t0;
  await waitProcessed(dev.url, total);
  const handled = performance.now() - t0;
  const pool = await handlerProcesses(dev.child.pid);
  closeConnections();
  await stopDev(dev);
  await rm(dir, { recursive: true, force: true });
  console.log(`${label}: ${total} messages, ${connections} keep-alive connections`);
  console.log(`  accepted (201, fsynced): ${Math.round(total / (accepted / 1000))} msg/s   handled end to end: ${Math.round(total / (handled / 1000))} msg/s   (${(handled / 1000).toFixed(2)} s)`);
  console.log(`  handler processes at the end: ${pool.count}, peak RSS ${pool.peakMb.map((mb) => mb.toFixed(0)).join(" + ")} MB`);
  return dev.command;
}

async function latency(rate, seconds, env, label) {
  const dir = await makeProject(env);
  const log = path.join(dir, "latency.log");
  const dev = await startDev(dir, { BENCH_LATENCY_LOG: log });
  const replied = new Map();
  const total = rate * seconds;
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sends.push(send(dev.url, JSON.stringify({ type: "Bench", payload: { i } })).then(([id]) => replied.set(id, performance.timeOrigin + performance.now())));
  }
  await Promise.all(sends);
  await waitProcessed(dev.url, total);
  closeConnections();
  await stopDev(dev);
  const started = new Map((await readFile(log, "utf8")).split("\n").filter(Boolean).map((l) => { const [id, at] = l.split(" "); return [id, Number(at)]; }));
  const lat = [...replied].map(([id, at]) => started.get(id) - at).sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) {
    const worst = [...replied].map(([id, at]) => [Math.round(at - performance.timeOrigin - t0), Math.round(started.get(id) - at)]).sort((a, b) => b[1] - a[1]).slice(0, 30);
    console.log("worst [sent at ms, latency ms]:", JSON.stringify(worst));
  }
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(1);
  await rm(dir, { recursive: true, force: true });
  console.log(`latency 201 -> handler start at ${rate} msg/s for ${seconds} s (${label}): p50 ${pct(50)} ms  p99 ${pct(99)} ms  max ${lat.at(-1).toFixed(1)} ms`);
}

/** The dev process's children (its pool of handler processes) and each one's peak RSS. */
async function handlerProcesses(pid) {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "")).split(" ").filter(Boolean);
  const peakMb = [];
  for (const child of children) peakMb.push(await peakRssMb(child).catch(() => 0));
  return { count: children.length, peakMb };
}

function peakRssMb(pid) {
  return readFile(`/proc/${pid}/status`, "utf8").then((s) => Number(/VmHWM:\s+(\d+)/.exec(s)[1]) / 1024);
}

async function memory(count) {
  const dir = await makeProject();
  let dev = await startDev(dir);
  const batches = count / 10;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < batches) {
        const i = next++;
        await send(dev.url, JSON.stringify(Array.from({ length: 10 }, (_, j) => ({ type: "Bench", payload: { orderId: `o_${i}_${j}`, amount: 1999, currency: "usd" } }))), "?delaySeconds=900");
      }
    }),
  );
  const s = await stats(dev.url);
  const peak = await peakRssMb(dev.child.pid);
  closeConnections();
  await stopDev(dev);
  dev = await startDev(dir);
  const peakAfterRestart = await peakRssMb(dev.child.pid);
  const restored = (await stats(dev.url)).delayed;
  await stopDev(dev);
  await rm(dir, { recursive: true, force: true });
  console.log(`memory with ${s.delayed} messages waiting (delayed 900 s): peak RSS of the dev process ${peak.toFixed(0)} MB`);
  console.log(`  restart: ${restored} restored from the journal, ready in ${dev.startMs.toFixed(0)} ms, peak RSS ${peakAfterRestart.toFixed(0)} MB`);
}

const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, ${os.platform()} ${os.release()}`);
console.log(`bench:   node bench/dev.mjs${quick ? " --quick" : ""}`);
if (part("throughput")) {
  const command = await throughput("single-message POSTs", Math.round(50_000 * scale), 1);
  console.log(`dev:     ${command.replace(/--cwd \S+/, "--cwd <temp project>")}  (no-op handler, default settings unless noted)`);
  await throughput("10-message array POSTs", Math.round(200_000 * scale), 10);
}
if (part("latency")) {
  await latency(1000, quick ? 2 : 10, {}, "default batching window 2 s, batch 10");
  await latency(1000, quick ? 2 : 10, { LETSGO_WORKER_BATCHING_WINDOW: 0 }, "batching window 0");
}
if (part("memory")) await memory(Math.round(100_000 * scale));
