#!/usr/bin/env node
/**
 * What checking payloads against @letsgo/types costs (issue goal: ≤ 5% of dev's
 * throughput, ≤ 2 ms of cold start), in one run on this machine:
 *
 * 1. dev's throughput, checked vs unchecked, alternating round by round: the
 *    same scaffold project (init + add-message OrderNew with the bench message's
 *    fields), once as written and once with OrderNewMessage's payload typed
 *    `any` (nothing to check), under the same wrk load as bench/peers.mjs.
 * 2. Cold start of the image's bundle: a fresh `node` importing it and handling
 *    one message, the bundle built with the derived shapes vs with none,
 *    alternating process by process.
 * 3. The check alone: payloadProblem() per payload, in this process.
 *
 * Usage: node bench/payloadCheck.mjs [--rounds N] [--seconds S] [--cold-runs N]   (npm run build first)
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { devContender } from "./peers/contenders.mjs";
import { BODIES, orderMessage, throughputRun } from "./peers/throughput.mjs";
import { BIN, BIN_REL, ORDER_FIELDS, REPO, SCAFFOLD_COMMANDS } from "./support/devWorker.mjs";
import { findWrk } from "./support/load.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { median } from "./support/stats.mjs";

const spread = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

const { values: flags } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "8" }, "cold-runs": { type: "string", default: "30" } },
});
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const coldRuns = Number(flags["cold-runs"]);

const { workerBuildOptions } = await import(path.join(REPO, "dist", "image", "bundle.js"));
const { derivePayloadSchemas } = await import(path.join(REPO, "dist", "project", "payloadSchemas.js"));
const { payloadProblem } = await import(path.join(REPO, "dist", "runtime", "payloadShape.js"));

const FIELDS = ORDER_FIELDS;
const SETUP = SCAFFOLD_COMMANDS;

async function makeProject({ checked }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `letsgo-bench-check-${checked ? "on" : "off"}-`));
  for (const args of [["init", dir, "--yes"], ["add-message", "OrderNew", "--cwd", dir, ...FIELDS.flatMap((f) => ["--field", f])]]) {
    const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`letsgo-worker ${args.join(" ")} failed:\n${result.stderr}`);
  }
  if (!checked) {
    // OrderNewMessage's payload as `any`: the same code path, nothing to check.
    const typesFile = path.join(dir, "packages", "types", "index.ts");
    const source = await readFile(typesFile, "utf8");
    const unchecked = source.replace(/(interface OrderNewMessage[^{]*\{[^]*?payload: )\{[^}]*?\{[^}]*\}[^}]*\};/, "$1any;");
    if (unchecked === source) throw new Error("could not untype OrderNewMessage's payload");
    await writeFile(typesFile, unchecked);
  }
  return dir;
}

console.log("payload checks: what they cost");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: node bench/payloadCheck.mjs --rounds ${rounds} --seconds ${seconds} --cold-runs ${coldRuns}`);

// 3. The check alone.
const sample = await makeProject({ checked: true });
const { schemas } = derivePayloadSchemas(path.join(sample, "packages", "types", "index.ts"));
const payload = orderMessage().payload;
if (payloadProblem(schemas, "OrderNew", payload) !== undefined) throw new Error(`the bench message does not fit: ${payloadProblem(schemas, "OrderNew", payload)}`);
for (let i = 0; i < 100_000; i++) payloadProblem(schemas, "OrderNew", payload);
const checks = 1_000_000;
let t = performance.now();
for (let i = 0; i < checks; i++) payloadProblem(schemas, "OrderNew", payload);
const perCheckUs = ((performance.now() - t) * 1000) / checks;
console.log(`\n3. one check of the bench payload (5 fields, an array of 2 objects): ${perCheckUs.toFixed(2)} µs (${checks.toLocaleString("en")} checks)`);

// 2. Cold start of the image's bundle.
const coldDir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-cold-"));
const bundles = {};
for (const [name, shapes] of [["with shapes", schemas], ["without", { v: 1, messages: {}, defs: {} }]]) {
  const outfile = path.join(coldDir, `${name === "without" ? "plain" : "checked"}.mjs`);
  const options = workerBuildOptions({
    root: sample,
    entry: path.join(sample, "apps", "worker", "src", "index.ts"),
    typesIndex: path.join(sample, "packages", "types", "index.ts"),
    external: ["@aws-sdk/*"],
    outfile,
    target: "node22",
    minify: true,
    payloadSchemas: Promise.resolve(shapes),
  });
  const result = await esbuild.build({ ...options, sourcemap: false });
  await writeFile(outfile, result.outputFiles.find((f) => f.path.endsWith(".mjs")).contents);
  bundles[name] = outfile;
}
await esbuild.stop();
const event = { Records: [{ messageId: "m1", receiptHandle: "r", body: BODIES.single, attributes: { ApproximateReceiveCount: "1" }, messageAttributes: {}, eventSource: "aws:sqs" }] };
const coldProgram = (file) =>
  [
    "const t0 = performance.now();",
    `const { handler } = await import(${JSON.stringify(file)});`,
    "const t1 = performance.now();",
    `const out = await handler(${JSON.stringify(event)}, { awsRequestId: "r", getRemainingTimeInMillis: () => 60000 });`,
    "const t2 = performance.now();",
    'if (out.batchItemFailures.length) throw new Error("failed");',
    "process.stderr.write(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1 }));",
  ].join("\n");
const cold = { "with shapes": [], without: [] };
for (let i = 0; i < coldRuns; i++) {
  for (const name of i % 2 ? ["without", "with shapes"] : ["with shapes", "without"]) {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", coldProgram(bundles[name])], { cwd: coldDir, encoding: "utf8", env: { PATH: process.env.PATH, LETSGO_LOG_LEVEL: "warn" } });
    if (run.status !== 0) throw new Error(run.stderr);
    const measured = JSON.parse(run.stderr.trim().split("\n").pop());
    cold[name].push(measured.importMs + measured.firstMs);
  }
}
const coldWith = median(cold["with shapes"]);
const coldWithout = median(cold.without);
console.log(`\n2. cold start: import the image's bundle and handle one message, in a fresh node (${coldRuns} each, alternating), median ms (min–max):`);
console.log(`   with shapes ${coldWith.toFixed(2)} (${spread(cold["with shapes"])}) · without ${coldWithout.toFixed(2)} (${spread(cold.without)}) · added ${(coldWith - coldWithout).toFixed(2)} ms (goal ≤ 2)`);
await rm(coldDir, { recursive: true, force: true });
await rm(sample, { recursive: true, force: true });

// 1. dev throughput, checked vs unchecked.
const wrk = findWrk();
const contenders = [
  devContender("dev, payloads checked", () => makeProject({ checked: true }), { setup: SETUP, note: "the scaffold, OrderNewMessage as add-message wrote it" }),
  devContender("dev, nothing to check", () => makeProject({ checked: false }), { setup: SETUP, note: "the same, OrderNewMessage's payload typed any" }),
];
console.log(`\n1. dev throughput, ${wrk ? "wrk -t1 -c64" : "the Node load generator (-c64; wrk not found)"} for ${seconds} s per round, single-message bodies, ${rounds} rounds alternating:`);
for (const contender of contenders) for (const command of contender.commands) console.log(`   ${contender.name}: ${command}`);
const handled = new Map(contenders.map((c) => [c.name, []]));
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 ? contenders : [...contenders].reverse();
  for (const contender of order) {
    const result = await throughputRun(contender, { wrk, body: BODIES.single, perRequest: 1, seconds, warmupSeconds: 2 });
    handled.get(contender.name).push(result.handledPerSec);
    console.log(`   round ${round}  ${contender.name.padEnd(24)} ${Math.round(result.handledPerSec).toLocaleString("en")} msg/s handled end to end`);
  }
}
const on = median(handled.get("dev, payloads checked"));
const off = median(handled.get("dev, nothing to check"));
const ratios = handled.get("dev, payloads checked").map((value, i) => value / handled.get("dev, nothing to check")[i]);
console.log(`   median: checked ${Math.round(on).toLocaleString("en")} · unchecked ${Math.round(off).toLocaleString("en")} msg/s · checked/unchecked ${(on / off).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(", ")}; goal ≥ 0.95)`);
