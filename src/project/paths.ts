/** Where things live in a user's project, in the layout LetsGo users know, and whether the worker is there. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ProjectError } from "../errors.js";

export function workerPaths(projectDir: string) {
  const root = path.resolve(projectDir);
  const worker = path.join(root, "apps", "worker");
  const src = path.join(worker, "src");
  const handlers = path.join(src, "handlers");
  return {
    root,
    worker,
    src,
    handlers,
    entry: path.join(src, "index.ts"),
    handlersIndex: path.join(handlers, "index.ts"),
    envFile: path.join(worker, ".env"),
    stateDir: path.join(worker, ".letsgo"),
    workerPackageJson: path.join(worker, "package.json"),
    typesDir: path.join(root, "packages", "types"),
    typesIndex: path.join(root, "packages", "types", "index.ts"),
    queueIndex: path.join(root, "packages", "queue", "index.ts"),
    /** Generated from typesIndex: the payload shapes the app's enqueue() checks before sending (./payloadSchemasModule.ts). */
    payloadSchemasModule: path.join(root, "packages", "queue", "payloadSchemas.ts"),
  };
}

export type WorkerPaths = ReturnType<typeof workerPaths>;

/** Whether `root` holds a worker component (apps/worker, a folder): what makes a folder a letsgo-worker project. */
export function hasWorker(root: string): boolean {
  const worker = path.join(root, "apps", "worker");
  return existsSync(worker) && statSync(worker).isDirectory();
}

/**
 * The one refusal of every command that needs the worker's files (dev, build,
 * add-message, keys...): which file is missing, or that there is no worker at
 * all, and what to do. Throws unless each of `files` exists.
 */
export function requireWorkerFiles(paths: Pick<WorkerPaths, "root">, ...files: string[]): void {
  const missing = files.find((file) => !existsSync(file));
  if (missing === undefined) return;
  const what = hasWorker(paths.root) ? `${missing} not found: this project's worker is incomplete` : `No apps/worker in ${paths.root}`;
  throw new ProjectError(`${what} (pass --cwd <its root> for a project elsewhere). Run \`letsgo-worker init\` first.`);
}
