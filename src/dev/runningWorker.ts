/**
 * Which dev worker runs a project: while it runs, `dev` keeps its URL and
 * process id in the project's state directory, so `enqueue`, `dlq`,
 * `schedule run` and `stripe trigger` of that project reach it, whatever port it
 * took, and never another project's worker on the default port.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { isRunning } from "./lock.js";

export interface RunningWorker {
  url: string;
  pid: number;
  /** The project root it serves. */
  root: string;
  deployment: string;
  startedAt: string;
}

const FILE = "dev.json";

export async function recordRunningWorker(stateDir: string, worker: RunningWorker): Promise<() => Promise<void>> {
  const file = path.join(stateDir, FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(worker, null, 2) + "\n");
  await rename(temp, file);
  return async () => {
    // Only our own record: a second dev started meanwhile (and refused by the lock) never wrote one.
    const current = await readRunningWorker(stateDir, () => true);
    if (current?.pid === worker.pid) await rm(file, { force: true });
  };
}

/** The project's running dev worker, if its process is alive (a record left by a kill -9 is ignored). */
export async function readRunningWorker(stateDir: string, alive: (pid: number) => boolean = isRunning): Promise<RunningWorker | undefined> {
  let record: Partial<RunningWorker>;
  try {
    record = JSON.parse(await readFile(path.join(stateDir, FILE), "utf8")) as Partial<RunningWorker>;
  } catch {
    return undefined;
  }
  if (typeof record.url !== "string" || typeof record.pid !== "number" || typeof record.root !== "string") return undefined;
  return alive(record.pid) ? (record as RunningWorker) : undefined;
}
