/**
 * One dev worker per project: two would append to the same journal. The lock is a
 * file holding the owner's pid; a lock left by a process that no longer runs
 * (kill -9) is taken over.
 */
import { readFile, unlink, writeFile } from "node:fs/promises";
import { ProjectError } from "../../errors.js";

export interface StateLock {
  release(): Promise<void>;
}

export async function lockStateDir(lockFile: string): Promise<StateLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: "wx" });
      return { release: () => unlink(lockFile).catch(() => {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new ProjectError(
          `Another dev worker (pid ${owner}) is using this project's queue (${lockFile}). Stop it first, or run this one in another project.`,
        );
      }
      await unlink(lockFile).catch(() => {});
    }
  }
  throw new ProjectError(`Could not lock ${lockFile}: another dev worker is starting at the same time.`);
}

/** Is a process with this id alive (EPERM: alive, someone else's)? */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
