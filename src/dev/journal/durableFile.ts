/** Small file-system steps that survive a crash: a file written in full and fsynced, a directory entry fsynced. */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import path from "node:path";

/** Make renames and new files in `dir` durable. */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; a rename is still atomic.
  }
}

/** Write `data` to `file` and fsync it; `exclusive` refuses an existing file. */
export async function writeDurably(file: string, data: Buffer | string, options: { exclusive?: boolean } = {}): Promise<void> {
  const handle = await open(file, options.exclusive ? "wx" : "w");
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Replace `file` with `data` atomically: a reader (or a crash) sees the old file or the new one, never a mix. */
export async function replaceDurably(file: string, data: Buffer): Promise<void> {
  const temp = `${file}.rewrite`;
  try {
    await writeDurably(temp, data);
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  syncDirectory(path.dirname(file));
}
