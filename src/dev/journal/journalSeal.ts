/**
 * The journal's own account of its length: `<journal>.seal`, one checksummed
 * record of fixed size, rewritten in place after each durable write, saying how
 * many bytes and records the journal file (this inode) had and how many
 * messages the queue held. Read before recovery, it turns "the file is shorter"
 * from invisible into a reported loss: a journal cut at a record boundary, to
 * zero bytes, or deleted no longer reads as a clean, smaller queue, and a torn
 * tail is called "never acknowledged" only when it lies past the last sealed
 * write.
 *
 * Not fsynced: a power loss may leave an older seal, which claims less, never
 * more, than the journal had (so it never reports a loss that did not happen).
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { encodeJson, parseJournal } from "./journalFormat.js";

export interface Seal {
  /** The journal file's inode when sealed: a compaction or rewrite makes a new file. */
  ino: number;
  bytes: number;
  records: number;
  /** Messages in the queue (and its DLQ) when sealed. */
  messages: number;
}

/** What comparing the seal with the journal found at start. */
export type SealCheck =
  | { state: "none" | "unreadable" | "other-file" }
  /** `sealedBytes`: every byte before it was acknowledged (fsynced before the seal was written). */
  | { state: "ok"; sealedBytes: number }
  | { state: "cut"; missingBytes: number; missingRecords: number; sealedMessages: number; sealedBytes: number };

/** The JSON is padded to this many bytes (JSON allows trailing spaces): every seal has the same length. */
const SEAL_JSON_BYTES = 160;

export function sealFile(journal: string): string {
  return `${journal}.seal`;
}

export function encodeSeal(seal: Seal): string {
  const json = JSON.stringify({ k: "seal", ...seal });
  return encodeJson(json + " ".repeat(Math.max(0, SEAL_JSON_BYTES - json.length)));
}

export async function readSeal(journal: string): Promise<Seal | "none" | "unreadable"> {
  let data: Buffer;
  try {
    const handle = await open(sealFile(journal), "r");
    try {
      data = (await handle.readFile()) as Buffer;
    } finally {
      await handle.close();
    }
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "none" : "unreadable";
  }
  let seal: Seal | undefined;
  const parsed = parseJournal(data, isSeal, (value) => (seal = value));
  return parsed.records === 1 && parsed.bad.length === 0 && parsed.legacyRecords === 0 && seal ? seal : "unreadable";
}

/**
 * The seal against the journal as it was on disk before recovery (`before`:
 * its inode and size, undefined when there was no file) and the records
 * recovery read from it. Pure.
 */
export function compareSeal(seal: Seal | "none" | "unreadable", before: { ino: number; size: number } | undefined, recordsRead: number): SealCheck {
  if (seal === "none" || seal === "unreadable") return { state: seal };
  const size = before?.size ?? 0;
  // Gone, or the same file grown shorter than it was sealed at: what it had past that is missing.
  if (!before || (before.ino === seal.ino && before.size < seal.bytes)) {
    return { state: "cut", missingBytes: seal.bytes - size, missingRecords: Math.max(0, seal.records - recordsRead), sealedMessages: seal.messages, sealedBytes: seal.bytes };
  }
  return before.ino === seal.ino ? { state: "ok", sealedBytes: seal.bytes } : { state: "other-file" };
}

/** The journal's inode and size now, if it exists. */
export async function journalFacts(journal: string): Promise<{ ino: number; size: number } | undefined> {
  const facts = await stat(journal).catch(() => undefined);
  return facts ? { ino: facts.ino, size: facts.size } : undefined;
}

/** Rewrites the seal in place; one write at a time, the newest facts winning. */
export class SealWriter {
  private handle: FileHandle | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly journal: string) {}

  write(seal: Omit<Seal, "ino">, ino: number): Promise<void> {
    this.running = this.running
      .then(async () => {
        // In place: an existing seal is overwritten without truncating it (no new block to find on a full disk).
        this.handle ??= await open(sealFile(this.journal), "r+").catch(() => open(sealFile(this.journal), "w"));
        const bytes = Buffer.from(encodeSeal({ ino, ...seal }));
        await this.handle.write(bytes, 0, bytes.length, 0);
      })
      .catch(() => undefined); // a seal that cannot be written only weakens the next start's report
    return this.running;
  }

  async close(): Promise<void> {
    await this.running;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

function isSeal(value: unknown): value is Seal {
  const seal = value as Partial<Seal> & { k?: unknown };
  return (
    typeof value === "object" && value !== null && seal.k === "seal" &&
    [seal.ino, seal.bytes, seal.records, seal.messages].every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)
  );
}
