/**
 * An app's load on a queue, sent through the queue's own client as an app
 * sends it (bench/peers/enqueueApp.mjs: `enqueue()` of @letsgo/queue;
 * bench/peers/bullmqApp.mjs: BullMQ's `queue.add()`):
 *   - closed loop: `--concurrency` request handlers, each awaiting one send
 *     then the next, for `--seconds` (an API under load)
 *   - paced: `--rate` sends per second for `--count` messages, each recording
 *     when its send resolved, on the monotonic clock every process here shares
 * At the end it prints one line: APP_SUMMARY {sent, errors, firstError,
 * perSecond (sends resolved in each second of the run), durationMs, p50Ms,
 * p99Ms, maxMs (each send's time), resolved ([[id, ms], ...], paced only)}.
 */
import { parseArgs } from "node:util";

/** The message every contender is sent: the OrderNew `add-message --field orderId:string --field customerId:string` declares. */
export function userOrder(i = 0) {
  return { type: "OrderNew", payload: { orderId: `ord_${String(1_000_000 + i)}`, customerId: "cus_Q3kX9mVb2nT4" } };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Options of every app; `extra` are the client's own. */
export function appOptions(extra = {}) {
  return parseArgs({
    options: { seconds: { type: "string", default: "5" }, concurrency: { type: "string", default: "64" }, rate: { type: "string" }, count: { type: "string" }, first: { type: "string", default: "0" }, ...extra },
  }).values;
}

/**
 * Run the load `options` describe through `send(message)` (resolves with the
 * message's id) and print the summary. Errors are counted, not thrown: the
 * harness compares what was sent with what was handled.
 */
export async function runAppLoad(send, options) {
  const times = [];
  const resolved = [];
  const perSecond = [];
  let sent = 0;
  let errors = 0;
  let firstError;
  let index = Number(options.first);
  const t0 = now();
  const one = async (keep) => {
    const i = index++;
    const start = now();
    try {
      const id = await send(userOrder(i));
      const end = now();
      times.push(end - start);
      if (keep) resolved.push([String(id), end]);
      sent++;
      const second = Math.floor((end - t0) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    } catch (error) {
      errors++;
      firstError ??= String(error?.message ?? error);
    }
  };
  if (options.rate) {
    const rate = Number(options.rate);
    const count = Number(options.count);
    const inFlight = [];
    for (let n = 0; n < count; n++) {
      const due = t0 + (n * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(one(true));
    }
    await Promise.all(inFlight);
  } else {
    const end = t0 + Number(options.seconds) * 1000;
    await Promise.all(Array.from({ length: Number(options.concurrency) }, async () => {
      while (now() < end) await one(false);
    }));
  }
  const durationMs = now() - t0;
  times.sort((a, b) => a - b);
  const summary = { sent, errors, firstError, perSecond: Array.from(perSecond, (n) => n ?? 0), durationMs, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times.at(-1) ?? 0, resolved };
  process.stdout.write(`APP_SUMMARY ${JSON.stringify(summary)}\n`);
}
