/**
 * The benchmarks' smoke runs (issue 25: `npm run bench` once broke unseen):
 * a benchmark run through `node` as a person runs it, at its smallest size.
 * No figure is judged (timings are the bench's to print, not a test's to
 * assert); it must run to its end, exit 0 and print its machine, its command
 * and its result line.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { REPO_ROOT } from "./cli.js";

function runBench(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** One smoke run as a test: `node <args>` ends with 0 and prints its machine, command and `result`. */
export function smokeRun(args: readonly string[], result: RegExp): void {
  it(`node ${args.join(" ")}`, async () => {
    const { code, out } = await runBench(args);
    assert.equal(code, 0, out);
    assert.match(out, /^machine: /m);
    assert.match(out, /^command: /m);
    assert.match(out, result);
  });
}
