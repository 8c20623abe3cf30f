/**
 * history.json on disk: one framed, checksummed entry a line (journalFormat.ts).
 * Between starts it grows by appends — each write adds only the entries that
 * changed since the last, so a write costs what changed, not the whole history
 * (rewriting 10,000 entries every 3 s was a tenth of dev's CPU under load).
 * A later line of an id supersedes the earlier ones. When the file holds more
 * than twice the entries kept, and when dev stops, it is rewritten whole, one
 * line an entry, atomically (src/files/atomicFile.ts).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { replaceFile } from "../../files/atomicFile.js";
import { encodeJson, parseJournal } from "../journal/journalFormat.js";

/** Lines the file may hold beyond twice the entries before it is rewritten. */
const COMPACT_SLACK = 1_000;
/** Entries per write: no one string of the whole history, and no long hold of the event loop. */
const WRITE_SLICE = 500;

export interface FileRead {
  /** Lines that failed their checksum or shape (a torn last line, cut by a crash mid-append, is not counted). */
  damaged: number;
  /** Plain JSON lines, from before checksums. */
  legacy: number;
}

/**
 * Read every line in order, giving each good entry to `onEntry` (a later one
 * of the same id replaces the earlier). A missing file reads as empty.
 */
export async function readHistoryFile<T extends { id: string }>(file: string, isEntry: (value: unknown) => value is T, onEntry: (entry: T) => void): Promise<FileRead> {
  let damaged = 0;
  let legacy = 0;
  let framedSeen = false;
  let lastDamaged = false;
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === "") continue;
      let entry: T | undefined;
      const parsed = parseJournal(Buffer.from(`${line}\n`), isEntry, (value) => (entry = value));
      // Plain JSON lines are a file from before checksums (read once, rewritten framed); after a framed line, damage.
      if (entry && parsed.legacyRecords > 0 && framedSeen) entry = undefined;
      lastDamaged = !entry;
      if (!entry) damaged++;
      else if (parsed.legacyRecords > 0) legacy++;
      else framedSeen = true;
      if (entry) onEntry(entry);
    }
  } catch {
    // no history yet, or unreadable: start empty
  }
  if (lastDamaged && !(await endsWithNewline(file))) damaged--; // an append a crash cut short: the entry's earlier line stands
  return { damaged, legacy };
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return true;
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

export class HistoryWriter {
  /** Lines in the file now; unknown (so rewritten) until the first write. */
  private lines = Infinity;

  constructor(private readonly file: string) {}

  /**
   * Append `changed`; rewrite the file with `all()` instead when it has grown
   * past twice the `count` of entries kept, or when `whole`. `all` is only
   * listed for a rewrite: an append costs what changed.
   */
  async write(changed: readonly object[], kept: { count: number; all(): readonly object[] }, whole = false): Promise<void> {
    if (whole || this.lines + changed.length > 2 * kept.count + COMPACT_SLACK) {
      const all = kept.all();
      await replaceFile(this.file, async (handle) => {
        for (let i = 0; i < all.length; i += WRITE_SLICE) await handle.write(encodeLines(all.slice(i, i + WRITE_SLICE)));
      });
      this.lines = all.length;
      return;
    }
    if (changed.length === 0) return;
    // In slices, each written before the next is encoded: under saturation every entry changes between
    // two writes, and encoding them all at once held the event loop (and every request) for ~90 ms.
    const handle = await open(this.file, "a");
    try {
      for (let i = 0; i < changed.length; i += WRITE_SLICE) {
        await handle.write(encodeLines(changed.slice(i, i + WRITE_SLICE)));
        this.lines += Math.min(WRITE_SLICE, changed.length - i);
      }
    } finally {
      await handle.close();
    }
  }
}

function encodeLines(entries: readonly object[]): string {
  return entries.map((entry) => encodeJson(JSON.stringify(entry))).join("");
}
