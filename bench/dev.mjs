#!/usr/bin/env node
/**
 * Benchmark of `letsgo-worker dev` with a no-op handler: the real CLI in its own
 * process, a load generator here. Prints the machine, the command, and:
 *   1. messages/s accepted and handled end to end, single-message POSTs over keep-alive
 *   2. the same with 10-message array bodies
 *   3. p50/p99 latency from the 201 reply to the handler starting, at 1,000 messages/s
 *   4. peak memory of the dev process with 100,000 messages waiting (and restart time)
 * and, after each throughput run, how many handler processes the pool ran and their memory.
 * (bench/peers.mjs compares dev with other queues and checks the goals.)
 *
 * Usage: npx tsc -p tsconfig.json && node bench/dev.mjs [--quick] [--only=throughput|latency|memory]
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { devStats, makeBareProject, startDev, stopDev, waitProcessed } from "./support/devWorker.mjs";
import { ConnectionPool, pacedLoad } from "./support/httpClient.mjs";
import { machineLine } from "./support/machine.mjs";
import { percentile } from "./support/stats.mjs";

const quick = process.argv.includes("--quick");
/** --only=throughput|latency|memory runs one part. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
const part = (name) => !only || only === name;
const scale = quick ? 0.1 : 1;
const DEV_ARGS = ["--json", "--no-watch"];

/** Send `total` messages, `perRequest` per POST, over `connections` keep-alive connections. */
async function throughput(label, total, perRequest, connections = 64) {
  const dir = await makeBareProject();
  const dev = await startDev(dir, { args: DEV_ARGS });
  const pool = new ConnectionPool();
  const body = (i) => JSON.stringify(perRequest === 1 ? { type: "Bench", payload: { i } } : Array.from({ length: perRequest }, (_, j) => ({ type: "Bench", payload: { i, j } })));
  const requests = total / perRequest;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests) await pool.post(dev.url, body(next++));
    }),
  );
  const accepted = performance.now() - t0;
  await waitProcessed(dev.url, total);
  const handled = performance.now() - t0;
  const handlers = await handlerProcesses(dev.child.pid);
  pool.close();
  await stopDev(dev);
  await rm(dir, { recursive: true, force: true });
  console.log(`${label}: ${total} messages, ${connections} keep-alive connections`);
  console.log(`  accepted (201, fsynced): ${Math.round(total / (accepted / 1000))} msg/s   handled end to end: ${Math.round(total / (handled / 1000))} msg/s   (${(handled / 1000).toFixed(2)} s)`);
  console.log(`  handler processes at the end: ${handlers.count}, peak RSS ${handlers.peakMb.map((mb) => mb.toFixed(0)).join(" + ")} MB`);
  return dev.command;
}

async function latency(rate, seconds, env, label) {
  const dir = await makeBareProject(env);
  const log = path.join(dir, "latency.log");
  const dev = await startDev(dir, { args: DEV_ARGS, env: { BENCH_LATENCY_LOG: log } });
  const replied = new Map();
  const total = rate * seconds;
  await pacedLoad(dev.url, {
    rate,
    count: total,
    body: (i) => JSON.stringify({ type: "Bench", payload: { i } }),
    onReply: (_, reply, at) => replied.set(JSON.parse(reply.body).messageIds[0], at),
  });
  await waitProcessed(dev.url, total);
  await stopDev(dev);
  const started = new Map((await readFile(log, "utf8")).split("\n").filter(Boolean).map((l) => { const [id, at] = l.split(" "); return [id, Number(at)]; }));
  const lat = [...replied].map(([id, at]) => started.get(id) - at).sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) {
    const worst = [...replied].map(([id, at]) => [Math.round(at), Math.round(started.get(id) - at)]).sort((a, b) => b[1] - a[1]).slice(0, 30);
    console.log("worst [replied at (monotonic ms), latency ms]:", JSON.stringify(worst));
  }
  const pct = (p) => percentile(lat, p).toFixed(1);
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
  const dir = await makeBareProject();
  let dev = await startDev(dir, { args: DEV_ARGS });
  const pool = new ConnectionPool();
  const batches = count / 10;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < batches) {
        const i = next++;
        await pool.post(dev.url, JSON.stringify(Array.from({ length: 10 }, (_, j) => ({ type: "Bench", payload: { orderId: `o_${i}_${j}`, amount: 1999, currency: "usd" } }))), "?delaySeconds=900");
      }
    }),
  );
  const s = await devStats(dev.url);
  const peak = await peakRssMb(dev.child.pid);
  pool.close();
  await stopDev(dev);
  dev = await startDev(dir, { args: DEV_ARGS });
  const peakAfterRestart = await peakRssMb(dev.child.pid);
  const restored = (await devStats(dev.url)).delayed;
  await stopDev(dev);
  await rm(dir, { recursive: true, force: true });
  console.log(`memory with ${s.delayed} messages waiting (delayed 900 s): peak RSS of the dev process ${peak.toFixed(0)} MB`);
  console.log(`  restart: ${restored} restored from the journal, ready in ${dev.readyMs.toFixed(0)} ms, peak RSS ${peakAfterRestart.toFixed(0)} MB`);
}

console.log(`machine: ${machineLine()}`);
console.log(`bench:   node bench/dev.mjs${quick ? " --quick" : ""}`);
if (part("throughput")) {
  const command = await throughput("single-message POSTs", Math.round(50_000 * scale), 1);
  console.log(`dev:     ${command}  (no-op handler, default settings unless noted)`);
  await throughput("10-message array POSTs", Math.round(200_000 * scale), 10);
}
if (part("latency")) {
  await latency(1000, quick ? 2 : 10, {}, "default batching window 2 s, batch 10");
  await latency(1000, quick ? 2 : 10, { LETSGO_WORKER_BATCHING_WINDOW: 0 }, "batching window 0");
}
if (part("memory")) await memory(Math.round(100_000 * scale));
