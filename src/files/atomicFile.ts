/**
 * Writing a file so that a reader, or a crash, sees the old contents or the
 * new, never a mix: the one owner of that rule for every file letsgo-worker
 * writes in place (dev's state files, the project's .env and package.json, a
 * generated module). Written whole beside the target (a temp per process: dev
 * and a CLI may write at once), then renamed over it; `durable` adds the
 * fsyncs that make it survive a power cut, not only a crash of the process.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
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

/** Where `file`'s next contents are staged: beside it, so the rename stays on one file system. */
export function stagingPath(file: string): string {
  return `${file}.letsgo-${process.pid}.tmp`;
}

/** Remove what replaces of `file` left when their process died mid-write (call it only while no one else writes `file`). */
export async function removeStagedLeftovers(file: string): Promise<void> {
  const base = path.basename(file);
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  const staged = names.filter((name) => name.startsWith(`${base}.letsgo-`) && /^\.letsgo-\d+\.tmp$/.test(name.slice(base.length)));
  await Promise.all(staged.map((name) => unlink(path.join(path.dirname(file), name)).catch(() => {})));
}

export interface ReplaceOptions {
  /** fsync the file and its directory (state dev cannot lose). Default false. */
  durable?: boolean;
  /** The new file's permissions (0o600 for secrets). */
  mode?: number;
}

/** Replace `file` with `contents` (or what `write` writes to the handle, for large files written in slices). */
export async function replaceFile(file: string, contents: string | Buffer | ((handle: FileHandle) => Promise<void>), options: ReplaceOptions = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = stagingPath(file);
  try {
    const handle = await open(temp, "w", options.mode);
    try {
      if (typeof contents === "function") await contents(handle);
      else await handle.writeFile(contents);
      if (options.durable) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (options.durable) syncDirectory(path.dirname(file));
}
