/**
 * Throughput runs of the contenders (bench/peers.mjs and the single-purpose
 * benches): fed by wrk or by the contender's own client, counted to the last
 * message handled, memory sampled throughout.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConnectionPool } from "../support/httpClient.mjs";
import { runLoad } from "../support/load.mjs";
import { REPO } from "../support/devWorker.mjs";
import { sampleTreeRss, treeRss } from "../support/processes.mjs";
import { userOrder } from "./appLoad.mjs";

/** One message of about 200 bytes, as the single-purpose benches send it (payloadCheck, dashboard, firstSeconds). */
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

/** The user's order (appLoad.mjs), as raw HTTP bodies: one message, and 10 in an array. */
export const USER_BODIES = {
  single: JSON.stringify(userOrder()),
  ten: JSON.stringify(Array.from({ length: 10 }, (_, i) => userOrder(i))),
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll progress every 10 ms until `handled` reaches `count` and nothing is
 * pending (where the contender knows: wrk's count leaves out the requests in
 * flight when it stopped, which the contender took all the same); the time it did.
 */
async function waitHandled(running, count, timeoutMs = 120_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { handled, pending } = await running.progress();
    if (handled >= count && !pending) return performance.now();
    if (performance.now() > deadline) throw new Error(`${count - handled} messages (${pending ?? "?"} pending) still not handled after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Run the contender's own client (appLoad.mjs) with `args` until it exits; its summary. */
export async function runClient(running, args) {
  const { args: clientArgs, env } = running.client;
  const child = spawn(process.execPath, [...clientArgs, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (out = (out + chunk).slice(-1e6)));
  const [code] = await once(child, "close");
  const line = /^APP_SUMMARY (\{.*\})$/m.exec(out);
  if (code !== 0 || !line) throw new Error(`node ${clientArgs.join(" ")} exited ${code}:\n${out.slice(-3000)}`);
  return JSON.parse(line[1]);
}

/**
 * One throughput run of a contender, as a user meets it: start it fresh, send
 * one message (`one`: its raw body, or through its client), let it settle (dev's
 * start-up type check) and measure its idle memory a second later, then load it for `seconds` (after
 * `warmupSeconds` of load, if any): `feed` "wrk" POSTs `body` (`perRequest`
 * messages each) over 64 connections, "client" runs the contender's own
 * client with 64 sends in flight. Measures: idleMb; handledPerSec: messages
 * handled end to end from the load's start until the last one is handled (a
 * batching window's tail included, as a user waits for it); acceptedPerSec:
 * per second of load; tailMs: from the load's end to the last one handled;
 * sendP99Ms: p99 of a POST (wrk) or a send (client) under that load;
 * perSecond: sends resolved in each second (client); peakMb: the largest
 * memory sample, every 100 ms, from the load's start to the end of handling;
 * idleParts and peakParts break the memory down by process.
 */
export async function throughputRun(contender, { feed = "wrk", wrk, body, one = BODIES.single, perRequest = 1, seconds, warmupSeconds = 0 }) {
  const running = await contender.start();
  const bodyFile = path.join(os.tmpdir(), `letsgo-bench-body-${process.pid}.json`);
  try {
    let handledBefore = (await running.progress()).handled;
    if (feed === "client") await runClient(running, ["--rate", "1", "--count", "1", "--first", "9000000"]);
    else {
      const pool = new ConnectionPool();
      await pool.post(running.url, one);
      pool.close();
    }
    await waitHandled(running, handledBefore + 1);
    await running.settled?.();
    await sleep(1000);
    const idle = treeRss(running.pids());

    if (warmupSeconds > 0) {
      const warm = await runLoad(running.url, { wrk, body, bodyFile, seconds: warmupSeconds });
      await waitHandled(running, handledBefore + 1 + warm.requests * perRequest);
    }
    handledBefore = (await running.progress()).handled;
    const sampler = sampleTreeRss(running.pids);
    const t0 = performance.now();
    const load = feed === "client" ? await clientLoad(running, seconds) : await runLoad(running.url, { wrk, body, bodyFile, seconds });
    const loadEnd = performance.now();
    const accepted = load.requests * perRequest;
    const doneAt = await waitHandled(running, handledBefore + accepted);
    const peak = sampler.stop();
    const handled = (await running.progress()).handled - handledBefore;
    return {
      idleMb: idle.mb,
      idleParts: idle.parts,
      peakMb: peak.mb,
      peakParts: peak.parts,
      acceptedPerSec: accepted / ((loadEnd - t0) / 1000),
      handledPerSec: handled / ((doneAt - t0) / 1000),
      tailMs: doneAt - loadEnd,
      sendP99Ms: load.p99Ms,
      perSecond: load.perSecond,
      errors: load.errors,
      firstError: load.firstError,
    };
  } finally {
    await running.stop();
    await rm(bodyFile, { force: true });
  }
}

async function clientLoad(running, seconds) {
  const summary = await runClient(running, ["--seconds", String(seconds), "--concurrency", "64"]);
  return { requests: summary.sent, errors: summary.errors, firstError: summary.firstError, p99Ms: summary.p99Ms, perSecond: summary.perSecond };
}
