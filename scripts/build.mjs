// npm run build: src/ → dist/ (tsc, incremental) and the one-file CLI layer
// (bundle-cli.mjs), only when an input changed since the last build, as make
// would: `npm start` and `npm pack` after a build cost a directory scan, not a
// compile. --force builds anyway. Inputs: src/, tsconfig.json, the bundler
// script and package.json (its dependencies shape the bundle).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stamp = path.join(root, "dist", ".build-stamp");

/** The newest modification time among the inputs, and the file that has it. */
function newestInput() {
  const files = [
    ...readdirSync(path.join(root, "src"), { recursive: true }).map((file) => path.join(root, "src", String(file))),
    path.join(root, "tsconfig.json"),
    path.join(root, "package.json"),
    path.join(root, "scripts", "bundle-cli.mjs"),
  ];
  let newest = { file: "", ms: 0 };
  for (const file of files) {
    const ms = statSync(file).mtimeMs;
    if (ms > newest.ms) newest = { file, ms };
  }
  return newest;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const force = process.argv.includes("--force");
const newest = newestInput();
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= newest.ms && existsSync(path.join(root, "dist", "cli", "main.js"))) {
  console.error("dist/ is up to date (npm run build -- --force builds anyway)");
  process.exit(0);
}
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
run(process.execPath, [tsc, "-p", "tsconfig.json"]);
run(process.execPath, [path.join(root, "scripts", "bundle-cli.mjs")]);
writeFileSync(stamp, `${newest.file ? path.relative(root, newest.file) : ""}\n`);
