/**
 * Closed-loop HTTP load for the throughput runs: wrk (a C load generator) when
 * it is installed, else this package's Node client (bench/support/httpClient.mjs).
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closedLoopLoad } from "./httpClient.mjs";

const LUA = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "wrk", "post.lua");

/** wrk's version line, or null when it is not installed. */
export function findWrk() {
  const result = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  if (result.error) return null;
  return (result.stdout + result.stderr).split("\n")[0].replace(/\s+Copyright.*/, "").trim();
}

/** The load command as printed. */
export function loadCommand(wrk, { threads, connections, seconds }) {
  return wrk
    ? `wrk -t${threads} -c${connections} -d${seconds}s -s bench/wrk/post.lua <url> -- <body file>`
    : `node load generator (bench/support/httpClient.mjs): ${connections} keep-alive connections for ${seconds} s`;
}

/**
 * POST `body` over `connections` connections for `seconds`: { requests (201s),
 * errors, durationMs }. `bodyFile` is where wrk reads the body from.
 */
export async function runLoad(url, { wrk, body, bodyFile, threads = 1, connections = 64, seconds }) {
  if (!wrk) return closedLoopLoad(url, { body: () => body, seconds, connections });
  await writeFile(bodyFile, body);
  const child = spawn("wrk", [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "-s", LUA, `${url}/`, "--", bodyFile], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  const line = /WRK_SUMMARY (\{.*\})/.exec(out);
  if (code !== 0 || !line) throw new Error(`wrk exited ${code}:\n${out}`);
  const s = JSON.parse(line[1]);
  const errors = s.connect + s.read + s.write + s.status + s.timeout;
  // wrk counts non-2xx replies in both `requests` and `status`.
  return { requests: s.requests - s.status, errors, durationMs: s.durationUs / 1000, p99Ms: s.p99Us / 1000 };
}
