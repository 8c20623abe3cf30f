/**
 * The project a user gets, for the benches that measure what a user meets:
 * this checkout packed with `npm pack`, `init --yes` into a fresh directory,
 * the tarball installed there with npm (as a user installs the package until
 * it is published), then `add-message OrderNew --field orderId:string
 * --field customerId:string`, every file left as they write it (the handler stub
 * `console.log`s each payload). Made once per bench run; `fresh()` forgets the
 * dev worker's state between runs.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { REPO } from "./devWorker.mjs";

export const ORDER_ARGS = ["add-message", "OrderNew", "--field", "orderId:string", "--field", "customerId:string"];

/** The commands as printed (DIR: the temporary directory). */
export const INSTALL_COMMANDS = [
  "npm pack --pack-destination DIR",
  "node <the packed bin> init DIR/app --yes",
  "cd DIR/app && npm install --prefer-offline DIR/letsgo-worker-<version>.tgz",
  `npx letsgo-worker ${ORDER_ARGS.join(" ")}`,
];

function run(command, args, cwd) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.error}):\n${result.stdout}\n${result.stderr}`);
  return performance.now() - started;
}

/**
 * { dir (the project), bin (its installed letsgo-worker), addMessageMs (the
 * `add-message OrderNew` above), fresh(), addMessageCopy(name) (ms of one more
 * add-message, on a copy: the project itself is left as it is), remove() }.
 */
export async function installedScaffold() {
  const root = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-installed-"));
  run("npm", ["pack", "--pack-destination", root, "--silent"], REPO);
  const tarball = (await readdir(root)).find((name) => name.endsWith(".tgz"));
  const dir = path.join(root, "app");
  run(process.execPath, [path.join(REPO, "bin", "letsgo-worker.js"), "init", dir, "--yes"], root);
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", path.join(root, tarball)], dir);
  const bin = path.join(dir, "node_modules", "letsgo-worker", "bin", "letsgo-worker.js");
  const addMessageMs = run(process.execPath, [bin, ...ORDER_ARGS], dir);
  let copies = 0;
  return {
    dir,
    bin,
    addMessageMs,
    /** Forget what a dev worker left (journal, history): the next dev starts fresh. */
    fresh: () => rm(path.join(dir, "apps", "worker", ".letsgo"), { recursive: true, force: true }),
    async addMessageCopy(name) {
      const copy = path.join(root, `copy-${++copies}`);
      await cp(dir, copy, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) && !source.includes(`${path.sep}.letsgo`) });
      await symlink(path.join(dir, "node_modules"), path.join(copy, "node_modules"), "dir");
      try {
        return run(process.execPath, [bin, "add-message", name, "--field", "sku:string"], copy);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
