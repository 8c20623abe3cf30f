#!/usr/bin/env node
/**
 * The floor of a durable local queue with process isolation, as a benchmark
 * peer: plain node:http; each POST's JSON body (one message or an array) is
 * parsed, appended to a file and fdatasynced (as dev's journal does) with group
 * commit: every request that arrives while a write+sync runs shares the next
 * one. Then 201, and the messages go to one forked child over IPC in batches of
 * up to 10; the child only counts them. GET /stats: { accepted, handled }.
 *
 * Usage: node bench/peers/limitProxy.mjs --file <append file> [--port 0]
 * Prints {"ready":true,"url":...} once listening.
 */
import { fork } from "node:child_process";
import http from "node:http";
import { open } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: options } = parseArgs({ options: { file: { type: "string" }, port: { type: "string", default: "0" } } });
if (!options.file) throw new Error("--file <path> is required");

const BATCH = 10;
const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), "limitProxyChild.mjs"), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
const file = await open(options.file, "a");
let accepted = 0;
let nextId = 0;
/** Requests parsed and waiting for the next write: { bytes, messages, res }. */
let pending = [];
let writing = false;

function scheduleCommit() {
  if (!writing) {
    writing = true;
    setImmediate(commit); // requests parsed in this turn join this write
  }
}

async function commit() {
  const group = pending;
  pending = [];
  try {
    const data = Buffer.concat(group.map((r) => r.bytes));
    for (let offset = 0; offset < data.length; ) offset += (await file.write(data, offset)).bytesWritten;
    await file.datasync();
  } catch (error) {
    for (const r of group) reply(r.res, 503, { error: String(error) });
    return next();
  }
  let handOff = [];
  for (const r of group) {
    const ids = r.messages.map(() => String(nextId++));
    accepted += ids.length;
    reply(r.res, 201, { messageIds: ids });
    for (const message of r.messages) {
      handOff.push(message);
      if (handOff.length === BATCH) {
        child.send(handOff);
        handOff = [];
      }
    }
  }
  if (handOff.length) child.send(handOff);
  next();
}

function next() {
  writing = false;
  if (pending.length) scheduleCommit();
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The child's count, asked over the same channel (so it counts every batch sent before). */
const countWaiters = [];
child.on("message", (message) => countWaiters.shift()?.(message.handled));
const handledCount = () => new Promise((resolve) => {
  countWaiters.push(resolve);
  child.send("count");
});

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    handledCount().then((handled) => reply(res, 200, { accepted, handled }));
    return;
  }
  if (req.method !== "POST") return reply(res, 405, { error: "POST a JSON message" });
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const bytes = Buffer.concat(chunks);
    let body;
    try {
      body = JSON.parse(bytes.toString("utf8"));
    } catch {
      return reply(res, 400, { error: "the body is not JSON" });
    }
    const messages = Array.isArray(body) ? body : [body];
    if (messages.some((m) => typeof m !== "object" || m === null || typeof m.type !== "string")) return reply(res, 400, { error: "a message is { type, payload }" });
    pending.push({ bytes: Buffer.concat([bytes, Buffer.from("\n")]), messages, res });
    scheduleCommit();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(options.port), "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${server.address().port}` }));
});

process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  child.disconnect();
  file.close().then(() => process.exit(0));
});
