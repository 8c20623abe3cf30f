#!/usr/bin/env node
/**
 * What one huge output line costs `dev` (issue 22): a handler prints one line
 * of N MB, and we read dev's own CPU time (utime + stime from /proc, Linux)
 * spent from the send to the ✓, and how long GET /health takes meanwhile. Dev
 * reads output in time linear in its size, so CPU per MB should stay flat as N
 * grows (it grew with N before: one 100 MB line took minutes).
 *
 * Usage: node bench/outputLine.mjs [MB...]   (npm run build first; default 1 10 100)
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { codeLine, machineLine } from "./support/machine.mjs";
import { devCommand, makeBareProject, REPO, startDev, stopDev } from "./support/devWorker.mjs";

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ["1", "10", "100"]).map(Number);
const TICKS_PER_SECOND = 100; // _SC_CLK_TCK on Linux

/** This process's CPU seconds so far (user + system), from /proc. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: ${devCommand(["--json", "--no-watch", "--no-schedule"])}; a handler printing one line of N MB`);
console.log("");
console.log("line     dev CPU   CPU per MB   send→✓     /health during (max)");
for (const mb of sizes) {
  const dir = await makeBareProject({ LETSGO_WORKER_SCHEDULE: "", LETSGO_WORKER_FUNCTION_TIMEOUT: 600, LETSGO_WORKER_VISIBILITY_TIMEOUT: 900 });
  await writeFile(
    path.join(dir, "apps", "worker", "src", "index.ts"),
    `export async function handler() { process.stdout.write("x".repeat(${mb} * 1024 * 1024) + "\\n"); return { batchItemFailures: [] }; }\n`,
  );
  const dev = await startDev(dir, { args: ["--json", "--no-watch", "--no-schedule"] });
  let out = "";
  dev.child.stdout.setEncoding("utf8").on("data", (chunk) => (out = (out + chunk).slice(-100_000)));
  const before = cpuSeconds(dev.child.pid);
  const started = performance.now();
  const reply = await fetch(dev.url, { method: "POST", body: JSON.stringify({ type: "Print", payload: {} }) });
  if (reply.status !== 201) throw new Error(`POST / answered ${reply.status}`);
  let healthMax = 0;
  while (!out.includes('"event":"message:handled"')) {
    const asked = performance.now();
    await fetch(`${dev.url}/health`);
    healthMax = Math.max(healthMax, performance.now() - asked);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const elapsed = performance.now() - started;
  const cpu = cpuSeconds(dev.child.pid) - before;
  console.log(
    `${String(mb).padStart(4)} MB  ${cpu.toFixed(2).padStart(6)} s  ${((cpu * 1000) / mb).toFixed(1).padStart(7)} ms  ${(elapsed / 1000).toFixed(2).padStart(6)} s   ${healthMax.toFixed(0).padStart(5)} ms`,
  );
  await stopDev(dev);
}
