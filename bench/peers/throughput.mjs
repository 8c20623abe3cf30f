/**
 * One throughput run of a contender: start it, send one message and measure its
 * idle memory, warm it up, then load it for `seconds`, count what it handled
 * meanwhile and wait until it has handled everything, sampling its memory.
 */
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConnectionPool } from "../support/httpClient.mjs";
import { runLoad } from "../support/load.mjs";
import { sampleTreeRss, treeRss } from "../support/processes.mjs";

/** One message of about 200 bytes, as the bench sends it. */
export function orderMessage(i = 0) {
  return {
    type: "OrderNew",
    payload: {
      orderId: `ord_${String(100000 + i)}`,
      customerId: "cus_Q3kX9mVb2nT4",
      amount: 4999,
      currency: "usd",
      items: [{ sku: "SKU-1042", quantity: 2 }, { sku: "SKU-2210", quantity: 1 }],
    },
  };
}

export const BODIES = {
  single: JSON.stringify(orderMessage()),
  ten: JSON.stringify(Array.from({ length: 10 }, (_, i) => orderMessage(i))),
};

/** dev's default batch size: a partial batch at the end waits for the batching window. */
const BATCH = 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll progress every 10 ms until fewer than `pending` messages are left; the last progress and when. */
async function waitPending(running, below = 1, timeoutMs = 120_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const progress = await running.progress();
    if (progress.pending < below) return { ...progress, at: performance.now() };
    if (performance.now() > deadline) throw new Error(`${progress.pending} messages still not handled after ${timeoutMs} ms`);
    await sleep(10);
  }
}

const waitDone = (running) => waitPending(running, 1);

/**
 * Measures: idleMb (all its processes, 1 s after a first message was handled);
 * handledPerSec: messages handled end to end (HTTP in, handler or processor
 * done) from the load's start until fewer than one batch (10) is left, per
 * second: the last partial batch is left out, as dev holds it for its batching
 * window (restMs: from then until the last one is handled); acceptedPerSec:
 * 201s per second of load; missing: accepted (201) but not handled (must be
 * 0); peakMb: the largest memory sample, every 100 ms, from the load's start
 * to the end of handling. idleParts and peakParts break the memory down by
 * process (support/processes.mjs treeRss).
 */
export async function throughputRun(contender, { wrk, body, perRequest, seconds, warmupSeconds }) {
  const running = await contender.start();
  const bodyFile = path.join(os.tmpdir(), `letsgo-bench-body-${process.pid}.json`);
  try {
    const pool = new ConnectionPool();
    await pool.post(running.url, BODIES.single);
    pool.close();
    await waitDone(running);
    await sleep(1000);
    const idle = treeRss(running.pids());

    if (warmupSeconds > 0) {
      await runLoad(running.url, { wrk, body, bodyFile, seconds: warmupSeconds });
      await waitDone(running);
    }
    const before = (await running.progress()).handled;
    const sampler = sampleTreeRss(running.pids);
    const t0 = performance.now();
    const load = await runLoad(running.url, { wrk, body, bodyFile, seconds });
    const loadMs = performance.now() - t0;
    const allButABatch = await waitPending(running, BATCH);
    const { handled, at: doneAt } = await waitDone(running);
    const peak = sampler.stop();
    const accepted = load.requests * perRequest;
    return {
      idleMb: idle.mb,
      idleParts: idle.parts,
      peakMb: peak.mb,
      peakParts: peak.parts,
      acceptedPerSec: accepted / (loadMs / 1000),
      handledPerSec: (allButABatch.handled - before) / ((allButABatch.at - t0) / 1000),
      restMs: doneAt - allButABatch.at,
      missing: Math.max(0, accepted - (handled - before)),
      errors: load.errors,
    };
  } finally {
    await running.stop();
    await rm(bodyFile, { force: true });
  }
}
