/** The file operations the journal writes with, and the compacted file it rewrites itself into. */
import { open, rename, unlink, type FileHandle } from "node:fs/promises";

/** The file operations the write path uses; tests replace them to make faults a real file system cannot (a short write). */
export interface JournalIo {
  /** Write `length` bytes of `buffer` from `offset` at file `position`; resolves with how many were written (possibly fewer). */
  write(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(handle: FileHandle): Promise<void>;
}

export const FILE_IO: JournalIo = {
  write: async (handle, buffer, offset, length, position) => (await handle.write(buffer, offset, length, position)).bytesWritten,
  datasync: (handle) => handle.datasync(),
};

/** Lines go to the disk in chunks of this many: a large snapshot is never one huge string. */
const CHUNK_LINES = 4096;

/**
 * Write `lines` (the snapshot's), then `carried` (appends not yet durable), to
 * `file`.compact, fsync it and rename it over `file`. The handle stays open: it
 * is the journal's from now on. On failure the temp file is removed and `file`
 * is untouched.
 */
export async function writeCompactedFile(file: string, io: JournalIo, lines: Iterable<string>, carried: readonly string[]): Promise<{ handle: FileHandle; size: number }> {
  const temp = `${file}.compact`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "w+");
    let size = 0;
    const writeChunk = async (chunk: readonly string[]) => {
      const bytes = Buffer.from(chunk.join(""));
      for (let done = 0; done < bytes.length; ) {
        const written = await io.write(handle!, bytes, done, bytes.length - done, size + done);
        if (!(written > 0)) throw Object.assign(new Error("short write during compaction"), { code: "EWRITE" });
        done += written;
      }
      size += bytes.length;
    };
    const chunk: string[] = [];
    for (const line of lines) {
      chunk.push(line);
      if (chunk.length >= CHUNK_LINES) await writeChunk(chunk.splice(0));
    }
    await writeChunk([...chunk, ...carried]);
    await io.datasync(handle);
    await rename(temp, file);
    return { handle, size };
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}
