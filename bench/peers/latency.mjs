/**
 * Latency runs: paced POSTs (open loop, bench/support/httpClient.mjs), the time
 * each message's handler started against the time it was accepted, on the
 * monotonic clock all processes here share.
 *   - warm: `warmupSeconds` at `rate` first, then `seconds` measured
 *   - dev from cold: sending starts as soon as dev reports ready
 * BullMQ is sent to by its own client (queue.add(), paced), dev by paced POSTs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pacedLoad } from "../support/httpClient.mjs";
import { percentile } from "../support/stats.mjs";
import { orderMessage, runClient } from "./throughput.mjs";

const body = (i) => JSON.stringify(orderMessage(i));

async function waitDone(running) {
  while ((await running.progress()).pending > 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

function summary(latencies) {
  const sorted = latencies.sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
}

/** Send at `rate`; returns [messageId, repliedAt, index] per message, ids from the 201 body. */
async function paced(url, rate, count, first = 0) {
  const replies = [];
  await pacedLoad(url, { rate, count, body: (i) => body(first + i), onReply: (i, reply, at) => replies.push([JSON.parse(reply.body).messageIds[0], at, i]) });
  return replies;
}

/** Latencies of the replies with index >= `from`: handler start (`started` by id) minus `reference` by id. */
function latencies(replies, started, reference, from = 0) {
  return replies.filter(([, , i]) => i >= from).map(([id]) => started.get(id) - reference.get(id));
}

/** A dev contender with the no-op handler logging each message's start; `work(running)` sends. */
async function withDevLog(contender, work) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-latency-"));
  const log = path.join(tmp, "started.log");
  const running = await contender.start({ env: { BENCH_LATENCY_LOG: log } });
  try {
    const result = await work(running);
    await waitDone(running);
    const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    const started = new Map(lines.map((line) => { const [id, at] = line.split(" "); return [id, Number(at)]; }));
    return { ...result, started };
  } finally {
    await running.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** dev, warm: from the 201 (as the client sees it) to the handler starting. */
export async function devWarmLatency(contender, { rate, seconds, warmupSeconds }) {
  const warm = rate * warmupSeconds;
  const { replies, started } = await withDevLog(contender, async (running) => ({ replies: await paced(running.url, rate, warm + rate * seconds) }));
  const repliedAt = new Map(replies.map(([id, at]) => [id, at]));
  return summary(latencies(replies, started, repliedAt, warm));
}

/**
 * dev from cold, default settings: `coldCount` messages at `rate` sent from the
 * moment dev reports ready, then `rate` for `seconds` more, then `sparseRate`
 * for `sparseSeconds` (batches that never fill: each waits for the window).
 */
export async function devColdAndWindowLatency(contender, { rate, coldCount, seconds, sparseRate, sparseSeconds }) {
  const { dense, sparse, started } = await withDevLog(contender, async (running) => ({
    dense: await paced(running.url, rate, coldCount + rate * seconds),
    sparse: await paced(running.url, sparseRate, sparseRate * sparseSeconds, 1e6),
  }));
  const of = (replies, filter) => summary(replies.filter(filter).map(([id, at]) => started.get(id) - at));
  return {
    cold: of(dense, ([, , i]) => i < coldCount),
    dense: of(dense, () => true),
    sparse: of(sparse, () => true),
  };
}

/**
 * BullMQ, warm: from `queue.add()` resolved in the app (bench/peers/bullmqApp.mjs,
 * paced) to the processor starting in the worker.
 */
export async function bullmqWarmLatency(contender, { rate, seconds, warmupSeconds }) {
  const running = await contender.start({ latency: true });
  try {
    const warm = rate * warmupSeconds;
    const total = warm + rate * seconds;
    const { resolved, errors, firstError } = await runClient(running, ["--rate", String(rate), "--count", String(total)]);
    if (errors) throw new Error(`BullMQ: ${errors} add() calls failed: ${firstError}`);
    while ((await running.progress()).handled < total) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = new Map(await running.startedAt());
    return summary(resolved.slice(warm).map(([id, at]) => started.get(id) - at));
  } finally {
    await running.stop();
  }
}
