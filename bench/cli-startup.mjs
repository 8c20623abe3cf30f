// Start-up cost of the CLI against a bare `node -e 0`, measured as a ratio in one
// run, and the time of a whole `add-message`: a dry run (it parses and edits the
// syntax trees, and writes nothing), and a real one as a user runs it (it also
// writes the files and regenerates packages/queue/payloadSchemas.ts from the
// types with the TypeScript checker; a new message name each round).
// Usage: npm run build && node bench/cli-startup.mjs [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeCommands } from "./support/cliStartup.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "bin", "letsgo-worker.js");
const runs = Number(process.argv[2] ?? 30);
const project = mkdtempSync(path.join(os.tmpdir(), "letsgo-bench-"));
const init = spawnSync(process.execPath, [cli, "init", project, "--yes"], { encoding: "utf8" });
if (init.status !== 0) throw new Error(init.stderr);

// Interleaved, so background noise hits every command alike; 3 warm-up rounds
// fill the file cache.
const cases = {
  "node -e 0": ["-e", "0"],
  "letsgo-worker --help": [cli, "--help"],
  "letsgo-worker list-messages": [cli, "list-messages", "--cwd", project],
  "letsgo-worker add-message (dry run)": [cli, "add-message", "OrderNew", "--field", "orderId:string", "--dry-run", "--cwd", project],
  "letsgo-worker add-message (writes)": (round) => [cli, "add-message", `Order${round}`, "--field", "orderId:string", "--cwd", project],
};
const results = timeCommands(cases, { runs });
rmSync(project, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(`machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}, ${os.platform()}`);
console.log(`command: node bench/cli-startup.mjs ${runs}  (median of ${runs} runs each)`);
const base = results["node -e 0"];
for (const [name, ms] of Object.entries(results)) {
  console.log(`${name.padEnd(38)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / base).toFixed(2)}x node -e 0`);
}
