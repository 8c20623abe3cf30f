/**
 * The benchmarks still run (issue 25: `npm run bench` once broke unseen):
 * the short ones, each at its smallest size, through `node` as a person runs
 * them. No figure is judged here (timings are the bench's to print, not a
 * test's to assert); each must run to its end, exit 0 and print its machine,
 * its command and its result line.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { REPO_ROOT } from "./support/cli.js";

function runBench(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("npm run bench (a smoke run of the short benchmarks)", { timeout: 480_000 }, () => {
  for (const [args, result] of [
    [["bench/firstSeconds.mjs", "--runs", "1", "--seconds", "1"], /^median: first 201 \d+ ms after the port opened; [\d,]+ accepted in the first second, [\d,]+ in 1 s/m],
    [["bench/historyWrite.mjs", "--rounds", "1"], /^append what changed [\d.]+ ms · rewrite the whole file [\d.]+ ms/m],
    [["bench/dashboard.mjs", "--rounds", "1", "--seconds", "1"], /^median: page closed [\d,]+ · open [\d,]+ msg\/s/m],
    // The one harness of issue 25: the installed scaffold, each system's own client, every goal with ✓ or ✗ (none judged here).
    // dev --image against plain dev (a Docker engine: the tests' own dockerd as root).
    [["--import", "tsx", "bench/devImage.ts", "--rounds", "1", "--messages", "100"], /^median: plain [\d,]+ · image [\d,]+ msg\/s/m],
    [["bench/peers.mjs", "--quick", "--seconds", "1"], /^goals \(✓\/✗ on the median of the rounds\)\n(  [✓✗] .+\n){14}/m],
  ] as const) {
    it(`node ${args.join(" ")}`, async () => {
      const { code, out } = await runBench([...args]);
      assert.equal(code, 0, out);
      assert.match(out, /^machine: /m);
      assert.match(out, /^command: /m);
      assert.match(out, result);
    });
  }
});
