// What `letsgo-worker/queue` costs an app: the import time it adds to a fresh
// Node process (against a bare ESM start, as a ratio, in one interleaved run)
// and what an app bundle carries for it, eagerly and lazily (the SQS client is
// imported on the first send to SQS only).
// Usage: npm run build && node bench/queue.mjs [runs]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 30);

// An app directory that resolves letsgo-worker as an installed dependency would.
const app = mkdtempSync(path.join(os.tmpdir(), "letsgo-queue-bench-"));
mkdirSync(path.join(app, "node_modules"));
symlinkSync(root, path.join(app, "node_modules", "letsgo-worker"), "dir");
symlinkSync(path.join(root, "node_modules", "@aws-sdk"), path.join(app, "node_modules", "@aws-sdk"), "dir");
writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
writeFileSync(
  path.join(app, "send.js"),
  'import { enqueue } from "letsgo-worker/queue";\nexport async function send(orderId) {\n  return enqueue({ type: "OrderNew", payload: { orderId } });\n}\n',
);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function runOnce(code) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: app, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`${code} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Interleaved, so background noise hits every case alike; 3 warm-up rounds fill the file cache.
const cases = {
  "bare ESM start": "",
  'import "letsgo-worker/queue"': 'await import("letsgo-worker/queue");',
  'import "@aws-sdk/client-sqs" (avoided)': 'await import("@aws-sdk/client-sqs");',
};
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < runs + 3; round++) {
  for (const [name, code] of Object.entries(cases)) {
    const ms = runOnce(code);
    if (round >= 3) samples[name].push(ms);
  }
}
const times = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));

async function bundle(external) {
  const outdir = path.join(app, `out-${external.length}`);
  const result = await esbuild.build({
    entryPoints: [path.join(app, "send.js")],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    outdir,
    external,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".js"));
  const [entryFile, entry] = outputs.find(([, output]) => output.entryPoint);
  const { readFileSync } = await import("node:fs");
  const entryCode = readFileSync(path.resolve(process.cwd(), entryFile));
  const lazy = outputs.filter(([file]) => file !== entryFile).reduce((sum, [, output]) => sum + output.bytes, 0);
  const eagerInputs = Object.keys(entry.inputs);
  return {
    eager: entry.bytes,
    eagerGzip: gzipSync(entryCode).length,
    lazy,
    eagerFiles: eagerInputs.length,
    eagerSdk: eagerInputs.filter((input) => input.includes("@aws-sdk") || input.includes("@smithy")).length,
  };
}
const full = await bundle([]);
const sdkExternal = await bundle(["@aws-sdk/*"]);
rmSync(app, { recursive: true, force: true });

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(`machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}, ${os.platform()}`);
console.log(`command: node bench/queue.mjs ${runs}  (median of ${runs} interleaved fresh processes each)`);
const base = times["bare ESM start"];
for (const [name, ms] of Object.entries(times)) {
  console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms   +${(ms - base).toFixed(1).padStart(5)} ms   ${(ms / base).toFixed(2)}x`);
}
console.log(`app bundle (esbuild, minified, code splitting), everything bundled:`);
console.log(`  loaded at import: ${kb(full.eager)} (${kb(full.eagerGzip)} gzip), ${full.eagerFiles} source files, ${full.eagerSdk} from the AWS SDK`);
console.log(`  loaded on the first send to SQS: ${kb(full.lazy)}`);
console.log(`app bundle with @aws-sdk/* external (a Node server or Lambda that has the SDK):`);
console.log(`  loaded at import: ${kb(sdkExternal.eager)} (${kb(sdkExternal.eagerGzip)} gzip); lazy chunks ${kb(sdkExternal.lazy)}`);
