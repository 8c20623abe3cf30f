/** Wall time of short Node commands, interleaved so background noise hits every command alike. */
import { spawnSync } from "node:child_process";
import { median } from "./stats.mjs";

function runOnce(args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: "ignore", cwd });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Run each of `cases` ({ name: node arguments, or (round) => arguments for a
 * command that must differ each time }) `runs` times, round-robin, after
 * `warmup` rounds that fill the file cache; the median time of each, in ms.
 */
export function timeCommands(cases, { runs, warmup = 3, cwd } = {}) {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < runs + warmup; round++) {
    for (const [name, args] of Object.entries(cases)) {
      const ms = runOnce(typeof args === "function" ? args(round) : args, cwd);
      if (round >= warmup) samples[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}
