#!/usr/bin/env node
/**
 * BullMQ as a benchmark peer, its worker: a separate process running a Worker
 * with a no-op processor (default concurrency 100). Over IPC (started with
 * fork), "count" answers { handled } (jobs completed) and "latency" answers the
 * monotonic time each processor call started, as [[id, ms], ...] (kept only with --latency).
 *
 * Usage: node bench/peers/bullmqWorker.mjs --redis <port> --queue <name> [--concurrency 100] [--latency]
 * Prints {"ready":true} once connected.
 */
import { parseArgs } from "node:util";
import { Worker } from "bullmq";

const { values: options } = parseArgs({
  options: { redis: { type: "string" }, queue: { type: "string" }, concurrency: { type: "string", default: "100" }, latency: { type: "boolean", default: false } },
});
let handled = 0;
const startedAt = [];
const processor = options.latency
  ? async (job) => {
      startedAt.push([job.id, Number(process.hrtime.bigint()) / 1e6]);
    }
  : async () => {};
const worker = new Worker(options.queue, processor, {
  connection: { host: "127.0.0.1", port: Number(options.redis) },
  concurrency: Number(options.concurrency),
});
worker.on("completed", () => handled++);
worker.on("error", (error) => console.error("bullmq worker:", error));
await worker.waitUntilReady();
console.log(JSON.stringify({ ready: true }));

process.on("message", (message) => {
  if (message === "count") process.send({ handled });
  else if (message === "latency") process.send(startedAt);
});
process.once("SIGTERM", async () => {
  await worker.close();
  process.exit(0);
});
