#!/usr/bin/env node
/**
 * The first seconds of a fresh `dev`, as a load test, a backlog replay or a
 * burst after a restart meet them: the scaffold as `init` + `add-message`
 * write it, no state yet; dev spawned, its port polled, and from the moment it
 * accepts connections 64 closed loops POST one order each, for a few seconds.
 * Printed: when the port opened, when dev said ready, when the first 201 came,
 * and the 201s in each quarter second from the port opening (the 503s dev
 * answers while it starts are counted apart; a sender retries them).
 *
 * Usage: node bench/firstSeconds.mjs [--seconds S] [--runs N] [--bin path/to/letsgo-worker.js]   (npm run build first)
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Connection } from "./support/httpClient.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { BIN, BIN_REL, makeScaffoldProject, REPO } from "./support/devWorker.mjs";
import { BODIES } from "./peers/throughput.mjs";
import { stopProcess } from "./support/processes.mjs";
import { median } from "./support/stats.mjs";

const { values: flags } = parseArgs({ options: { seconds: { type: "string", default: "4" }, runs: { type: "string", default: "3" }, bin: { type: "string" } } });
const seconds = Number(flags.seconds);
const bin = flags.bin ?? BIN;
const SLICE_MS = 250;
const CONNECTIONS = 64;

async function freePort() {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function run() {
  const dir = await makeScaffoldProject();
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, "dev", "--cwd", dir, "--port", String(port), "--json", "--no-schedule"], { stdio: ["ignore", "pipe", "inherit"] });
  let readyAt;
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    if (readyAt === undefined && chunk.includes('"event":"ready"')) readyAt = performance.now() - t0;
  });
  while (!(await portOpen(port))) await new Promise((resolve) => setTimeout(resolve, 5));
  const openAt = performance.now() - t0;
  const slices = new Array(Math.ceil((seconds * 1000) / SLICE_MS)).fill(0);
  let refused = 0;
  let firstAt;
  const conns = Array.from({ length: CONNECTIONS }, () => new Connection(`http://127.0.0.1:${port}`));
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < deadline) {
        const reply = await conn.request("POST", "/", BODIES.single).catch(() => ({ status: 0 }));
        const at = performance.now() - t0;
        if (reply.status === 201) {
          firstAt ??= at;
          const slice = Math.floor((at - openAt) / SLICE_MS);
          if (slice < slices.length) slices[slice]++;
        } else {
          refused++;
          if (reply.status === 503) await new Promise((resolve) => setTimeout(resolve, 5)); // as a sender honouring Retry-After would, briefly
        }
      }
    }),
  );
  for (const conn of conns) conn.close();
  await stopProcess(child, 30_000);
  await rm(dir, { recursive: true, force: true });
  return { openAt, readyAt, firstAt, slices, refused };
}

console.log("the first seconds of a fresh dev: when intake answers, and how fast");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}${flags.bin ? ` (dev: ${flags.bin})` : ""}`);
console.log(`command: node bench/firstSeconds.mjs --seconds ${seconds} --runs ${flags.runs}; dev: node ${flags.bin ?? BIN_REL} dev --cwd <fresh scaffold> --port P --json --no-schedule; ${CONNECTIONS} closed loops of one-order POSTs from the port opening`);
const results = [];
for (let i = 0; i < Number(flags.runs); i++) {
  const r = await run();
  results.push(r);
  const perSecond = (n) => Math.round((n * 1000) / SLICE_MS).toLocaleString("en");
  console.log(
    `   run ${i + 1}: port open ${Math.round(r.openAt)} ms · first 201 +${Math.round(r.firstAt - r.openAt)} ms after it · ready +${Math.round(r.readyAt - r.openAt)} ms · not 201: ${r.refused}` +
      `\n          accepted/s by quarter second from the port opening: ${r.slices.map(perSecond).join(" ")}`,
  );
}
const firstAfterOpen = median(results.map((r) => r.firstAt - r.openAt));
const firstSecond = median(results.map((r) => r.slices.slice(0, 1000 / SLICE_MS).reduce((a, b) => a + b, 0)));
const whole = median(results.map((r) => r.slices.reduce((a, b) => a + b, 0)));
console.log(`median: first 201 ${Math.round(firstAfterOpen)} ms after the port opened; ${firstSecond.toLocaleString("en")} accepted in the first second, ${whole.toLocaleString("en")} in ${seconds} s`);
