/** Where things live in a user's project, in the layout LetsGo users know. */
import path from "node:path";

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
