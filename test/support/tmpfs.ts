/**
 * A small real file system for disk-fault tests: a tmpfs of a few MB mounted
 * on a directory (root only), which gives a real ENOSPC when full and a real
 * EROFS when remounted read-only. Without root, or if mount fails, the test is
 * skipped loudly; with LETSGO_REQUIRE_DOCKER=1 (CI, which runs as root) that is
 * an error instead, as for the Docker tests.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  /** `mount -o remount,<options>`: "ro", "rw", "size=8m". */
  remount(options: string): Promise<void>;
  /** Fill the file system with a ballast `file` until `leaveBytes` are free (delete the file to free the space). */
  fill(file: string, leaveBytes: number): Promise<void>;
  unmount(): Promise<void>;
}

/** Mount a tmpfs of `size` (e.g. "2m") on `dir` (created if needed), or say why not. */
export async function mountTmpfs(dir: string, size: string): Promise<Tmpfs | { skip: string }> {
  if (process.platform !== "linux") return skipLoudly(`tmpfs tests need Linux, not ${process.platform}`);
  if (process.getuid?.() !== 0) return skipLoudly("tmpfs tests need root (to mount a small tmpfs that really fills up)");
  await mkdir(dir, { recursive: true });
  try {
    await run("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  } catch (error) {
    return skipLoudly(`could not mount a tmpfs on ${dir}: ${(error as Error).message}`);
  }
  let mounted = true;
  return {
    dir,
    remount: async (options) => void (await run("mount", ["-o", `remount,${options}`, dir])),
    async fill(file, leaveBytes) {
      const free = await freeBytes(dir);
      await writeFile(file, Buffer.alloc(Math.max(0, free - leaveBytes)));
    },
    async unmount() {
      if (!mounted) return;
      mounted = false;
      // A process killed a moment ago may still hold a file open: retry briefly, then detach lazily.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await run("umount", [dir]);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      await run("umount", ["-l", dir]);
    },
  };
}

export async function freeBytes(dir: string): Promise<number> {
  const { statfs } = await import("node:fs/promises");
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

function skipLoudly(reason: string): { skip: string } {
  if (process.env.LETSGO_REQUIRE_DOCKER === "1") throw new Error(`LETSGO_REQUIRE_DOCKER=1 but: ${reason}`);
  const line = `!!! disk-fault tests SKIPPED: ${reason}`;
  console.warn(`\n${"!".repeat(line.length)}\n${line}\n${"!".repeat(line.length)}\n`);
  return { skip: reason };
}
