#!/usr/bin/env node
/**
 * Every benchmark, one after the other: CLI start-up, the app-side queue
 * import, dev against its peers and goals, a fresh dev's first seconds, an open dashboard, the payload checks
 * and their derivation, one huge output line, the image, dev --image against plain dev. Each prints its machine
 * and command. --quick: fewer runs and rounds, a smoke run; --rounds N goes to
 * bench/peers.mjs. A benchmark that fails is reported and the others still run.
 *
 * Usage: npm run bench [-- --quick] [-- --rounds N]   (npm run build first: `npm run bench` does)
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false }, rounds: { type: "string" } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const peersArgs = [...(flags.quick ? ["--quick"] : []), ...(flags.rounds ? ["--rounds", flags.rounds] : [])];
/** The scripts' own run counts, or `runs` with --quick. */
const quickRuns = (runs) => (flags.quick ? [String(runs)] : []);
const benches = [
  ["bench/cli-startup.mjs", ...quickRuns(5)],
  ["bench/queue.mjs", ...quickRuns(5)],
  ["bench/peers.mjs", ...peersArgs],
  ["bench/firstSeconds.mjs", ...(flags.quick ? ["--runs", "1", "--seconds", "2"] : [])],
  ["bench/historyWrite.mjs", ...(flags.quick ? ["--rounds", "2"] : [])],
  ["bench/dashboard.mjs", ...(flags.quick ? ["--rounds", "2", "--seconds", "3"] : [])],
  ["bench/payloadCheck.mjs", ...(flags.quick ? ["--rounds", "1", "--seconds", "3", "--cold-runs", "6"] : [])],
  ["bench/payloadDerive.mjs", ...quickRuns(2)],
  ["bench/typecheck.mjs", ...quickRuns(2)],
  ["bench/outputLine.mjs", ...(flags.quick ? ["1", "10"] : [])],
  ["--import", "tsx", "bench/image.ts", ...quickRuns(3)],
  ["--import", "tsx", "bench/devImage.ts", ...(flags.quick ? ["--rounds", "1", "--messages", "300"] : [])],
];
const failed = [];
for (const args of benches) {
  console.log(`\n$ node ${args.join(" ")}`);
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) failed.push(`node ${args.join(" ")} (${result.status ?? result.signal})`);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(", ")}`);
  process.exitCode = 1;
}
