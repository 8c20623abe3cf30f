#!/usr/bin/env node
/**
 * What deriving payload shapes from @letsgo/types costs on the types that once
 * hung `dev` (issue 20): the recursive JSON type, which expanded to a 152 MB
 * schema, and a template type that expands to 64,000 literals, which the
 * derivation budget leaves unchecked. Each run is a fresh `node` process, as
 * `dev` derives in one: the time includes loading the TypeScript checker.
 *
 * Usage: node bench/payloadDerive.mjs [runs]   (npm run build first)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { codeLine, machineLine } from "./support/machine.mjs";
import { median } from "./support/stats.mjs";
import { REPO } from "./support/devWorker.mjs";

const runs = Number(process.argv[2] ?? 5);
const CODES = Array.from({ length: 40 }, (_, i) => `"c${i}"`).join(" | ");
const CASES = {
  "recursive Json": `export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export interface SyncMessage { type: "Sync"; payload: { data: Json; tags?: Json[] } }`,
  "template of 64,000 literals": `type Code = ${CODES};
export interface BigMessage { type: "Big"; payload: { code: \`\${Code}-\${Code}-\${Code}\` } }`,
};

/** One derivation in a fresh process: [ms to import and derive, schema bytes, warnings]. */
const PROBE = `
const started = performance.now();
const { derivePayloadSchemas } = await import(${JSON.stringify(path.join(REPO, "dist", "project", "payloadSchemas.js"))});
const derived = derivePayloadSchemas(process.argv[1]);
console.log(JSON.stringify({ ms: performance.now() - started, bytes: JSON.stringify(derived.schemas).length, warnings: derived.warnings }));
`;

console.log("payload shapes: deriving the types that once hung dev");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: node bench/payloadDerive.mjs ${runs}`);
for (const [name, source] of Object.entries(CASES)) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "letsgo-bench-derive-"));
  const file = path.join(dir, "index.ts");
  writeFileSync(file, source);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, file], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`deriving ${name} failed:\n${run.stderr}`);
    results.push(JSON.parse(run.stdout));
  }
  const times = results.map((r) => r.ms);
  const { bytes, warnings } = results[0];
  console.log(`\n${name}: ${Math.round(median(times))} ms (${Math.round(Math.min(...times))}–${Math.round(Math.max(...times))}, ${runs} fresh processes, the checker's load included), schema ${bytes.toLocaleString("en")} bytes`);
  for (const warning of warnings) console.log(`  warning: ${warning}`);
}
