#!/usr/bin/env node
/**
 * BullMQ as a benchmark peer, its intake: plain node:http; each POST's JSON body
 * (one message or an array) goes to `queue.add(type, payload)` (one job per
 * message, `addBulk` for an array) and the reply is 201 once that resolves.
 * Jobs are removed when completed (removeOnComplete), as production setups do.
 * GET /stats: { accepted }. With --latency it keeps, per job id, the monotonic
 * time add() resolved; GET /latency returns them as [[id, ms], ...].
 *
 * Usage: node bench/peers/bullmqFront.mjs --redis <port> --queue <name> [--port 0] [--latency]
 * Prints {"ready":true,"url":...} once listening and connected.
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";

const { values: options } = parseArgs({
  options: { redis: { type: "string" }, queue: { type: "string" }, port: { type: "string", default: "0" }, latency: { type: "boolean", default: false } },
});
const queue = new Queue(options.queue, {
  connection: { host: "127.0.0.1", port: Number(options.redis) },
  defaultJobOptions: { removeOnComplete: true },
});
await queue.waitUntilReady();

let accepted = 0;
const addedAt = [];
const now = () => Number(process.hrtime.bigint()) / 1e6;

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function add(messages) {
  const jobs = messages.length === 1 ? [await queue.add(messages[0].type, messages[0].payload)] : await queue.addBulk(messages.map((m) => ({ name: m.type, data: m.payload })));
  if (options.latency) {
    const at = now();
    for (const job of jobs) addedAt.push([job.id, at]);
  }
  accepted += jobs.length;
  return jobs.map((job) => job.id);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") return reply(res, 200, { accepted });
  if (req.method === "GET" && req.url === "/latency") return reply(res, 200, addedAt);
  if (req.method !== "POST") return reply(res, 405, { error: "POST a JSON message" });
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(res, 400, { error: "the body is not JSON" });
    }
    const messages = Array.isArray(body) ? body : [body];
    add(messages).then(
      (ids) => reply(res, 201, { messageIds: ids }),
      (error) => reply(res, 503, { error: String(error) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(options.port), "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${server.address().port}` }));
});

process.once("SIGTERM", async () => {
  server.close();
  server.closeAllConnections();
  await queue.close();
  process.exit(0);
});
