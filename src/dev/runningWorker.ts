/**
 * Which dev worker runs a project: while it runs, `dev` keeps its URL and
 * process id in the project's state directory, so `enqueue`, `dlq`,
 * `schedule run` and `stripe trigger` of that project reach it, whatever port it
 * took, and never another project's worker on the default port.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { readCheckedFile, writeCheckedFile } from "./journal/checkedFile.js";
import { isRunning } from "./journal/lock.js";

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
  await writeCheckedFile(file, worker);
  return async () => {
    // Only our own record: a second dev started meanwhile (and refused by the lock) never wrote one.
    const current = await readRunningWorker(stateDir, () => true);
    if (current?.pid === worker.pid) await rm(file, { force: true });
  };
}

/**
 * The project's running dev worker, if its process is alive (a record left by a
 * kill -9 is ignored). A damaged record is set aside: commands then find no
 * worker, and say so, rather than send to a URL a flipped byte made up.
 */
export async function readRunningWorker(stateDir: string, alive: (pid: number) => boolean = isRunning): Promise<RunningWorker | undefined> {
  const read = await readCheckedFile(path.join(stateDir, FILE), isRunningWorker);
  if (read.state !== "ok") return undefined;
  return alive(read.value.pid) ? read.value : undefined;
}

function isRunningWorker(value: unknown): value is RunningWorker {
  const record = value as Partial<RunningWorker> | null;
  return (
    typeof record === "object" && record !== null &&
    typeof record.url === "string" && /^http:\/\/[^/]+$/.test(record.url) &&
    Number.isInteger(record.pid) && record.pid! > 0 &&
    typeof record.root === "string"
  );
}
