/**
 * Everything a handler process starts ends with it. Each handler process leads
 * its own process group, so one signal ends it and every child it spawned; and
 * each carries a tag in its environment, inherited by everything it starts, so
 * on Linux what left the group (a `detached` spawn, a daemon) or outlived dev
 * itself (kill -9) is found in /proc and ended too: when its handler process
 * ends, when dev stops, and when the project's next dev starts.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";

/** The tag's variable: `<project>/<dev pid>/<handler process>`. */
export const OWNER_TAG_ENV = "LETSGO_DEV_OWNER";

/** This project's part of the tag: its state directory, hashed. */
export function projectTag(stateDir: string): string {
  return createHash("sha256").update(stateDir).digest("hex").slice(0, 12);
}

/** SIGKILL to a whole process group (its leader's pid); quiet when it is gone already. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: every process in it has ended.
  }
}

/**
 * End the processes whose tag is `tag` or starts with `tag/`, but never this
 * process; resolves with how many were signalled. Without /proc (macOS), 0: the
 * process group is all dev ends there.
 */
export async function killTagged(tag: string): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return 0;
  }
  const exact = `\0${OWNER_TAG_ENV}=${tag}\0`;
  const below = `\0${OWNER_TAG_ENV}=${tag}/`;
  let ended = 0;
  await Promise.all(
    entries.map(async (entry) => {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
      let environ: string;
      try {
        // Another user's processes are unreadable (EACCES): never ours.
        environ = `\0${await readFile(`/proc/${pid}/environ`, "latin1")}`;
      } catch {
        return;
      }
      if (!environ.includes(exact) && !environ.includes(below)) return;
      try {
        process.kill(pid, "SIGKILL");
        ended++;
      } catch {
        // Ended meanwhile.
      }
    }),
  );
  return ended;
}
