#!/usr/bin/env node
/**
 * What the type check that `build`, `deploy` and `dev` now run costs (issue 21),
 * on the scaffold as `init` + `add-message` write it: the check alone, in its
 * own process as they run it, with this tool's TypeScript (an un-installed
 * project) and with the project's own (`typescript` resolvable from it), beside
 * the project's own `tsc --noEmit`, a fresh process each, alternating.
 *
 * Usage: node bench/typecheck.mjs [runs]   (npm run build first)
 */
import { spawnSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { codeLine, machineLine } from "./support/machine.mjs";
import { median } from "./support/stats.mjs";
import { makeScaffoldProject, REPO, SCAFFOLD_COMMANDS } from "./support/devWorker.mjs";

const runs = Number(process.argv[2] ?? 5);
const { typecheckWorker } = await import(path.join(REPO, "dist", "project", "typecheck.js"));

const bare = await makeScaffoldProject();
const installed = await makeScaffoldProject();
// As `npm install` leaves a workspace project: typescript, @types/node, letsgo-worker and the @letsgo packages resolvable.
const modules = path.join(installed, "node_modules");
await mkdir(path.join(modules, "@types"), { recursive: true });
await mkdir(path.join(modules, "@letsgo"), { recursive: true });
await symlink(path.join(REPO, "node_modules", "typescript"), path.join(modules, "typescript"), "dir");
await symlink(path.join(REPO, "node_modules", "@types", "node"), path.join(modules, "@types", "node"), "dir");
await symlink(REPO, path.join(modules, "letsgo-worker"), "dir");
for (const name of ["types", "queue"]) await symlink(path.join(installed, "packages", name), path.join(modules, "@letsgo", name), "dir");

const spread = (values) => `${Math.round(median(values))} ms (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
const results = { bare: [], installed: [], tsc: [] };
let compilers = {};
for (let i = 0; i < runs; i++) {
  for (const [name, dir] of [["bare", bare], ["installed", installed]]) {
    const result = await typecheckWorker(dir);
    if (result.total > 0) throw new Error(`the scaffold has type errors?\n${JSON.stringify(result.errors[0])}`);
    results[name].push(result.ms);
    compilers[name] = result.compiler;
  }
  const started = performance.now();
  // The project's own tsc on the same scaffold, its imports resolved by npm's links.
  const tsc = spawnSync(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", path.join(installed, "apps", "worker", "tsconfig.json")], { encoding: "utf8" });
  results.tsc.push(performance.now() - started);
  if (tsc.status !== 0) throw new Error(`tsc found errors in the scaffold:\n${tsc.stdout}`);
}

console.log("type checks: what build, deploy and dev's background check cost");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: node bench/typecheck.mjs ${runs}   (the scaffold: ${SCAFFOLD_COMMANDS.join(" && ")})`);
console.log(`\nthe check, ${compilers.bare}:  ${spread(results.bare)}`);
console.log(`the check, ${compilers.installed}:  ${spread(results.installed)}`);
console.log(`the project's own tsc --noEmit, for comparison:  ${spread(results.tsc)}`);
console.log(`ratio, the check with the project's TypeScript / its own tsc: ${(median(results.installed) / median(results.tsc)).toFixed(2)}`);
