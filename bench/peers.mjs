#!/usr/bin/env node
/**
 * `letsgo-worker dev` against its peers, and its goals, in one run (issue 13):
 *   - a limit proxy (plain Node HTTP, group-commit fdatasync, batches of 10 to a
 *     forked child over IPC): the floor of a durable local queue with process isolation
 *   - BullMQ + redis-server (AOF, fsync every second), HTTP front + Worker process
 *   - dev on a bare no-op handler, and on the `init` + `add-message OrderNew` scaffold
 * Load: wrk -t1 -c64 (one ~200-byte message per POST; dev also with 10-message
 * bodies); latency with paced POSTs from here; memory from /proc (a process and
 * all its descendants). The contenders alternate within each round; the summary
 * gives medians and min–max over the rounds, then each goal with ✓ or ✗.
 *
 * Usage: npm run build && node bench/peers.mjs [--rounds 3] [--quick] [--node-load]
 *   --node-load  the Node load generator even where wrk is installed (it is used anyway without wrk)
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { timeCommands } from "./support/cliStartup.mjs";
import { BIN, BIN_REL, REPO } from "./support/devWorker.mjs";
import { findWrk, loadCommand } from "./support/load.mjs";
import { describeParts } from "./support/processes.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { bullmq, devBare, devScaffold, devWindow0, limitProxy } from "./peers/contenders.mjs";
import { bullmqWarmLatency, devColdAndWindowLatency, devWarmLatency } from "./peers/latency.mjs";
import { waitingMemory } from "./peers/memory.mjs";
import { printGoals, printLatency, printThroughput } from "./peers/report.mjs";
import { BODIES, throughputRun } from "./peers/throughput.mjs";

const { values: flags } = parseArgs({
  options: { rounds: { type: "string" }, quick: { type: "boolean", default: false }, "node-load": { type: "boolean", default: false } },
});
const quick = flags.quick;
const plan = {
  rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
  seconds: quick ? 1 : 5,
  warmupSeconds: 1,
  latency: { rate: 1000, seconds: quick ? 1 : 5, warmupSeconds: quick ? 1 : 2, coldCount: 1000, sparseRate: 5, sparseSeconds: quick ? 2 : 6 },
  waiting: quick ? 10_000 : 100_000,
  cliRuns: quick ? 3 : 10,
};
if (!Number.isInteger(plan.rounds) || plan.rounds < 1) throw new Error(`--rounds must be a positive whole number, got ${flags.rounds}`);

const loadAverage = () => os.loadavg().map((n) => n.toFixed(1)).join(" ");
const wrk = flags["node-load"] ? null : findWrk();
const load = { threads: 1, connections: 64, seconds: plan.seconds };
const unavailable = new Map([limitProxy, bullmq, devBare].map((c) => [c, c.unavailable()]));

console.log(`letsgo-worker dev against its peers: node bench/peers.mjs ${process.argv.slice(2).join(" ")}`.trimEnd() + `   (${plan.rounds} round${plan.rounds === 1 ? "" : "s"}${quick ? "; quick: a smoke run, not a measurement" : ""})`);
console.log(`machine: ${machineLine()}; load average ${loadAverage()} at the start`);
console.log(`code:    ${codeLine(REPO)}`);
const nodeLoadWhy = flags["node-load"] ? "--node-load" : "wrk is not installed: apt-get install -y wrk";
console.log(`load:    ${loadCommand(wrk, load)}   (${wrk ?? `${nodeLoadWhy}: the Node generator takes more CPU from the contenders than wrk; compare within this run only`})`);
console.log(`         body: one ~${BODIES.single.length}-byte {"type":"OrderNew","payload":{...}} per POST; for dev also 10 of them in an array (${BODIES.ten.length} bytes)`);
console.log(`         each throughput run: start, 1 message, idle 1 s (idle RSS), ${plan.warmupSeconds ? `${plan.warmupSeconds} s warm-up load, ` : ""}${plan.seconds} s load, time until less than one batch is left, then until all is handled`);
console.log("contenders:");
for (const contender of [limitProxy, bullmq, devBare, devScaffold, devWindow0]) {
  const reason = unavailable.get(contender);
  console.log(`  ${contender.name}${contender.version && !reason ? ` (${contender.version()})` : ""}${reason ? `: SKIPPED, ${reason}` : ""}`);
  for (const command of contender.commands) console.log(`      ${command.replace(/\bDIR\b/g, "<project>")}`);
}
console.log(`  cli start-up: node -e 0  vs  node ${BIN_REL} --help   (${plan.cliRuns} interleaved runs per round, median)`);

const available = (contender) => !unavailable.get(contender);
const THROUGHPUT = [
  { key: "proxy", label: "limit proxy, single", contender: limitProxy, body: "single" },
  { key: "bullmq", label: "BullMQ + redis, single", contender: bullmq, body: "single" },
  { key: "devBare", label: "dev, bare handler, single", contender: devBare, body: "single" },
  { key: "devTen", label: "dev, bare handler, 10-message bodies", contender: devBare, body: "ten" },
  { key: "devScaffold", label: "dev, scaffold, single", contender: devScaffold, body: "single" },
].filter((row) => available(row.contender));

const rounds = [];
const int = (n) => Math.round(n).toLocaleString("en-US");
for (let round = 1; round <= plan.rounds; round++) {
  console.log(`\nround ${round}/${plan.rounds}`);
  const r = { tp: {}, lat: {} };
  for (const row of THROUGHPUT) {
    const run = await throughputRun(row.contender, { wrk, body: BODIES[row.body], perRequest: row.body === "ten" ? 10 : 1, seconds: plan.seconds, warmupSeconds: plan.warmupSeconds });
    r.tp[row.key] = run;
    const problems = [run.errors && `${run.errors} load errors`, run.missing && `${run.missing} accepted messages NOT HANDLED`].filter(Boolean);
    console.log(`  ${row.label.padEnd(38)} handled ${int(run.handledPerSec).padStart(7)} msg/s   accepted ${int(run.acceptedPerSec).padStart(7)} msg/s   last partial batch ${(run.restMs / 1000).toFixed(2)} s later${problems.length ? `   ${problems.join(", ")}` : ""}`);
    console.log(`  ${"".padEnd(38)} RSS idle ${run.idleMb.toFixed(0)} MB (${describeParts(run.idleParts)}), peak ${run.peakMb.toFixed(0)} MB (${describeParts(run.peakParts)})`);
  }
  if (available(bullmq)) {
    r.lat.bullmq = await bullmqWarmLatency(bullmq, plan.latency);
    console.log(`  latency BullMQ warm (add() resolved -> processor)      p50 ${r.lat.bullmq.p50.toFixed(1)} ms  p99 ${r.lat.bullmq.p99.toFixed(1)} ms  max ${r.lat.bullmq.max.toFixed(1)} ms`);
  }
  r.lat.devWarm = await devWarmLatency(devWindow0, plan.latency);
  console.log(`  latency dev warm, window 0 (201 -> handler)            p50 ${r.lat.devWarm.p50.toFixed(1)} ms  p99 ${r.lat.devWarm.p99.toFixed(1)} ms  max ${r.lat.devWarm.max.toFixed(1)} ms`);
  r.lat.devCold = await devColdAndWindowLatency(devBare, plan.latency);
  const { cold, dense, sparse } = r.lat.devCold;
  console.log(`  latency dev first 1,000 from ready, default window     p50 ${cold.p50.toFixed(1)} ms  p99 ${cold.p99.toFixed(1)} ms  max ${cold.max.toFixed(1)} ms`);
  console.log(`  latency dev default window, 1,000 msg/s | 5 msg/s      p99 ${dense.p99.toFixed(1)} ms | ${sparse.p99.toFixed(1)} ms`);
  r.waiting = await waitingMemory(devBare, { count: plan.waiting });
  console.log(`  memory dev with ${int(r.waiting.waiting)} messages waiting        peak RSS ${r.waiting.peakMb.toFixed(0)} MB (${describeParts(r.waiting.peakParts)})`);
  const cli = timeCommands({ node: ["-e", "0"], help: [BIN, "--help"] }, { runs: plan.cliRuns });
  r.cli = cli.help / cli.node;
  console.log(`  cli start-up                                           node -e 0 ${cli.node.toFixed(1)} ms, --help ${cli.help.toFixed(1)} ms (${r.cli.toFixed(2)}×)`);
  rounds.push(r);
}

console.log(`\nsummary: median (min–max) of ${plan.rounds} round${plan.rounds === 1 ? "" : "s"}; load average ${loadAverage()} at the end (other work on the machine shows here)`);
printThroughput(THROUGHPUT.map((row) => ({ label: row.label, runs: rounds.map((r) => r.tp[row.key]).filter(Boolean) })));
printLatency({
  bullmq: rounds.map((r) => r.lat.bullmq).filter(Boolean),
  devWarm: rounds.map((r) => r.lat.devWarm),
  devCold: rounds.map((r) => r.lat.devCold),
});

const WINDOW_MS = 2000;
const goals = [
  { label: "single-message POSTs handled end to end, dev / BullMQ", unit: "×", min: 2, needs: bullmq, value: (r) => r.tp.devBare?.handledPerSec / r.tp.bullmq?.handledPerSec },
  { label: "single-message POSTs handled end to end, dev / limit proxy", unit: "×", min: 0.8, value: (r) => r.tp.devBare?.handledPerSec / r.tp.proxy?.handledPerSec },
  { label: "dev 10-message bodies / dev single-message, handled end to end", unit: "×", min: 3, value: (r) => r.tp.devTen?.handledPerSec / r.tp.devBare?.handledPerSec },
  { label: "scaffold / bare handler, single-message handled end to end", unit: "×", min: 0.9, value: (r) => r.tp.devScaffold?.handledPerSec / r.tp.devBare?.handledPerSec },
  { label: "warm p99 at 1,000 msg/s, dev (window 0, 201 -> handler) / BullMQ (add() -> processor)", unit: "×", max: 1, needs: bullmq, value: (r) => r.lat.devWarm.p99 / r.lat.bullmq?.p99 },
  { label: "p99 of the first 1,000 messages after dev is ready (cold start included)", unit: "ms", max: 50, value: (r) => r.lat.devCold.cold.p99 },
  { label: `p99 with the default 2 s window (the larger of 1,000 and 5 msg/s)`, unit: "ms", max: WINDOW_MS + 20, value: (r) => Math.max(r.lat.devCold.dense.p99, r.lat.devCold.sparse.p99) },
  { label: "memory, dev + handler processes idle after a first message, bare handler", unit: "MB", max: 120, value: (r) => r.tp.devBare?.idleMb },
  { label: "memory, dev + handler processes idle after a first message, scaffold", unit: "MB", max: 120, value: (r) => r.tp.devScaffold?.idleMb },
  { label: "memory, dev + handler processes under the single-message load, bare handler", unit: "MB", max: 250, value: (r) => r.tp.devBare?.peakMb },
  { label: "memory, dev + handler processes under the single-message load, scaffold", unit: "MB", max: 250, value: (r) => r.tp.devScaffold?.peakMb },
  { label: `memory, dev + handler processes with ${int(plan.waiting)} messages waiting${quick ? " (quick: the goal is for 100,000)" : ""}`, unit: "MB", max: 150, value: (r) => r.waiting.peakMb },
  { label: "CLI start-up, letsgo-worker --help / node -e 0", unit: "×", max: 1.3, value: (r) => r.cli },
];
printGoals(goals, rounds, (goal) => (goal.needs ? `${goal.needs.name}: ${unavailable.get(goal.needs)}` : undefined));
console.log("  (the AWS call-count goal is checked by a test, not here)");
