#!/usr/bin/env node
/**
 * `letsgo-worker dev` as a user meets it, against its peers, and every goal of
 * issue 25 with ✓ or ✗, in one run:
 *   - the project a user gets (support/installedScaffold.mjs): this checkout
 *     packed, `init`, the tarball installed with npm, `add-message OrderNew
 *     --field orderId:string --field customerId:string`, the stub left as
 *     written (it console.logs each payload), dev with its defaults
 *   - each system fed by its own client as an app feeds it: `enqueue()` of
 *     @letsgo/queue for dev, `queue.add()` for BullMQ + redis (AOF, fsync
 *     every second); wrk POSTs for raw HTTP (dev, and the limit proxy: plain
 *     Node HTTP, group-commit fdatasync, batches of 10 to a forked child)
 *   - the bare no-op handler's rows beside, on the same installed letsgo-worker
 * Each throughput run starts its contender fresh: one message, idle 1 s, then
 * the load at once (no warm-up: a load test, a backlog's replay, a burst after
 * a deploy meet the first seconds too), counted to the last message handled.
 *
 * Usage: node bench/peers.mjs [--rounds 3] [--seconds 10] [--quick]   (`npm run build` first; `npm run bench` does)
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { timeCommands } from "./support/cliStartup.mjs";
import { REPO } from "./support/devWorker.mjs";
import { INSTALL_COMMANDS, installedScaffold } from "./support/installedScaffold.mjs";
import { findWrk } from "./support/load.mjs";
import { describeParts } from "./support/processes.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { bareProject, bullmq, devContender, limitProxy } from "./peers/contenders.mjs";
import { bullmqWarmLatency, devColdAndWindowLatency, devWarmLatency } from "./peers/latency.mjs";
import { waitingMemory } from "./peers/memory.mjs";
import { goalsOf } from "./peers/goals.mjs";
import { printGoals, printLatency, printThroughput } from "./peers/report.mjs";
import { throughputRun, USER_BODIES } from "./peers/throughput.mjs";

const { values: flags } = parseArgs({ options: { rounds: { type: "string" }, seconds: { type: "string" }, quick: { type: "boolean", default: false } } });
const quick = flags.quick;
const plan = {
  rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
  seconds: Number(flags.seconds ?? (quick ? 2 : 10)),
  latency: { rate: 1000, seconds: quick ? 1 : 5, warmupSeconds: quick ? 1 : 2, coldCount: 1000, sparseRate: 5, sparseSeconds: quick ? 2 : 6 },
  waiting: quick ? 5_000 : 100_000,
  cliRuns: quick ? 3 : 10,
};
if (!Number.isInteger(plan.rounds) || plan.rounds < 1) throw new Error(`--rounds must be a positive whole number, got ${flags.rounds}`);
if (!(plan.seconds > 0)) throw new Error(`--seconds must be a positive number, got ${flags.seconds}`);

const int = (n) => Math.round(n).toLocaleString("en-US");
const loadAverage = () => os.loadavg().map((n) => n.toFixed(1)).join(" ");
const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed (apt-get install -y wrk): the raw-HTTP rows need it");

console.log(`letsgo-worker dev as a user meets it, against its peers`);
console.log(`command: node bench/peers.mjs ${process.argv.slice(2).join(" ")}`.trimEnd() + `   (${plan.rounds} round${plan.rounds === 1 ? "" : "s"}, ${plan.seconds} s of load per run${quick ? "; quick: a smoke run, not a measurement" : ""})`);
console.log(`machine: ${machineLine()}; load average ${loadAverage()} at the start`);
console.log(`code:    ${codeLine(REPO)}`);
const setupStart = performance.now();
const scaffold = await installedScaffold();
const bare = await bareProject(scaffold.bin);
console.log(`project: made and installed in ${((performance.now() - setupStart) / 1000).toFixed(1)} s:`);
for (const command of INSTALL_COMMANDS) console.log(`      ${command}`);
const installed = { ...scaffold, program: "npx letsgo-worker", enqueue: true, setup: [] };
const devScaffold = devContender("dev, scaffold", installed, { note: "the scaffold as written, default settings" });
const devBare = devContender("dev, bare handler", bare, { note: "no-op handler, default settings" });
const devWindow0 = devContender("dev, bare handler, window 0", bare, { args: ["--batching-window", "0"], note: "no-op handler, batching window 0" });
const unavailable = new Map([limitProxy, bullmq, devScaffold, devBare].map((c) => [c, c.unavailable()]));

console.log(`load:    wrk -t1 -c64 -d${plan.seconds}s -s bench/wrk/post.lua <url> -- <body file>   (${wrk}); a client: 64 sends in flight for ${plan.seconds} s (bench/peers/appLoad.mjs)`);
console.log(`         the message: ${USER_BODIES.single} (${USER_BODIES.single.length} bytes); 10 of them in an array for the 10-message bodies (${USER_BODIES.ten.length} bytes)`);
console.log("contenders:");
for (const contender of [limitProxy, bullmq, devScaffold, devBare, devWindow0]) {
  const reason = unavailable.get(contender);
  console.log(`  ${contender.name}${contender.version && !reason ? ` (${contender.version()})` : ""}${reason ? `: SKIPPED, ${reason}` : ""}`);
  for (const command of contender.commands) console.log(`      ${command.replace(/\bDIR\b/g, "<project>")}`);
}

const available = (contender) => !unavailable.get(contender);
const THROUGHPUT = [
  { key: "proxy", label: "limit proxy, wrk, single", contender: limitProxy, feed: "wrk", body: "single" },
  { key: "bullmq", label: "BullMQ + redis, queue.add()", contender: bullmq, feed: "client" },
  { key: "scaffoldEnqueue", label: "dev, scaffold, enqueue()", contender: devScaffold, feed: "client" },
  { key: "scaffold", label: "dev, scaffold, wrk, single", contender: devScaffold, feed: "wrk", body: "single" },
  { key: "scaffoldTen", label: "dev, scaffold, wrk, 10 per body", contender: devScaffold, feed: "wrk", body: "ten" },
  { key: "bare", label: "dev, bare handler, wrk, single", contender: devBare, feed: "wrk", body: "single" },
  { key: "bareTen", label: "dev, bare handler, wrk, 10 per body", contender: devBare, feed: "wrk", body: "ten" },
].filter((row) => available(row.contender));

const rounds = [];
try {
  for (let round = 1; round <= plan.rounds; round++) {
    console.log(`\nround ${round}/${plan.rounds}`);
    const r = { tp: {}, lat: {} };
    for (const row of THROUGHPUT) {
      const run = await throughputRun(row.contender, { feed: row.feed, wrk, body: USER_BODIES[row.body], one: USER_BODIES.single, perRequest: row.body === "ten" ? 10 : 1, seconds: plan.seconds });
      r.tp[row.key] = run;
      const problems = [run.errors && `${run.errors} send errors (${run.firstError ?? "see wrk"})`].filter(Boolean);
      console.log(`  ${row.label.padEnd(38)} handled ${int(run.handledPerSec).padStart(7)} msg/s   accepted ${int(run.acceptedPerSec).padStart(7)} msg/s   send p99 ${run.sendP99Ms.toFixed(1)} ms   tail ${(run.tailMs / 1000).toFixed(2)} s${problems.length ? `   ${problems.join(", ")}` : ""}`);
      if (run.perSecond) console.log(`  ${"".padEnd(38)} accepted in each second from the start: ${run.perSecond.map(int).join(" → ")}`);
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
    r.waiting = await waitingMemory(devScaffold, { count: plan.waiting });
    console.log(`  scaffold with ${int(r.waiting.waiting)} messages waiting        peak RSS ${r.waiting.peakMb.toFixed(0)} MB (${describeParts(r.waiting.peakParts)}); restart: ready in ${r.waiting.restartMs.toFixed(0)} ms with ${int(r.waiting.restored)} back`);
    r.addMessageMs = round === 1 ? scaffold.addMessageMs : await scaffold.addMessageCopy(`Probe${round}`);
    const cli = timeCommands({ node: ["-e", "0"], help: [scaffold.bin, "--help"] }, { runs: plan.cliRuns });
    r.cli = cli.help / cli.node;
    r.nodeMs = cli.node;
    console.log(`  add-message ${r.addMessageMs.toFixed(0)} ms; cli start-up: node -e 0 ${cli.node.toFixed(1)} ms, letsgo-worker --help ${cli.help.toFixed(1)} ms (${r.cli.toFixed(2)}×)`);
    rounds.push(r);
  }
} finally {
  await scaffold.remove();
  await bare.remove();
}

console.log(`\nsummary: median (min–max) of ${plan.rounds} round${plan.rounds === 1 ? "" : "s"}; load average ${loadAverage()} at the end (other work on the machine shows here)`);
printThroughput(THROUGHPUT.map((row) => ({ label: row.label, runs: rounds.map((r) => r.tp[row.key]).filter(Boolean) })));
printLatency({
  bullmq: rounds.map((r) => r.lat.bullmq).filter(Boolean),
  devWarm: rounds.map((r) => r.lat.devWarm),
  devCold: rounds.map((r) => r.lat.devCold),
});
printGoals(goalsOf({ bullmq, waiting: plan.waiting, quick }), rounds, (goal) => (goal.needs ? `${goal.needs.name}: ${unavailable.get(goal.needs)}` : undefined));
console.log("  (the dashboard page's cost: bench/dashboard.mjs, part of `npm run bench`; the AWS call-count goal: a test)");
