/**
 * Reading the journal back at start. Every good record is applied, in order. A
 * torn tail (a write cut short by a crash: never acknowledged) is cut off. A
 * damaged line is never loaded: it is skipped and copied, with its byte offset,
 * into a quarantine file beside the journal (written and fsynced first), and
 * every good record after it is kept. When lines were skipped or written in
 * the format before checksums, the journal is then rewritten atomically with
 * exactly the good records, in the current format, so the next start is clean.
 */
import { readFile, truncate, unlink } from "node:fs/promises";
import path from "node:path";
import { encodeJson, parseJournal, type BadLine } from "./journalFormat.js";
import { removeStagedLeftovers, replaceFile, syncDirectory, writeDurably } from "../../files/atomicFile.js";
import type { SealCheck } from "./journalSeal.js";

export type QuarantinedLine = BadLine;

/** What the journal held at start, and what was done about anything wrong in it. */
export interface ReplayResult {
  /** Records loaded. */
  records: number;
  /** A partial last record was cut off (a write interrupted by a crash, never acknowledged). */
  tornTail: boolean;
  /** How many bytes were cut. */
  tornTailBytes: number;
  /** Damaged lines skipped (never loaded), each copied to `quarantineFile` with its byte offset. */
  quarantined: QuarantinedLine[];
  /** Where the damaged lines were copied; null when there were none. */
  quarantineFile: string | null;
  /** Records read in the format before checksums (plain JSON lines). */
  legacyRecords: number;
  /** The journal was rewritten in the current format without the damaged lines and the torn tail. */
  rewritten: boolean;
  /** Where the torn tail began (bytes kept before it). */
  tornTailOffset?: number;
  /** The journal against its seal (journalSeal.ts): whether acknowledged writes are missing. */
  seal?: SealCheck;
}

export async function recoverJournal<R>(
  file: string,
  isRecord: (value: unknown) => value is R,
  apply: (record: R) => void,
  now: Date = new Date(),
): Promise<{ replay: ReplayResult; size: number }> {
  // Left by a crash during a compaction or rewrite: the journal itself is whole.
  // (`.rewrite`: the name a rewrite's staging file had before atomicFile.ts owned it.)
  await Promise.all([unlink(`${file}.compact`).catch(() => {}), unlink(`${file}.rewrite`).catch(() => {}), removeStagedLeftovers(file)]);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    data = Buffer.alloc(0);
  }
  // Applied as read: the parsed records need not all be alive at once.
  const parsed = parseJournal(data, isRecord, apply);
  const legacyRecords = parsed.legacyRecords;
  const replay: ReplayResult = {
    records: parsed.records,
    tornTail: parsed.tornTail !== null,
    tornTailBytes: parsed.tornTail?.bytes ?? 0,
    ...(parsed.tornTail ? { tornTailOffset: parsed.tornTail.offset } : {}),
    quarantined: parsed.bad,
    quarantineFile: null,
    legacyRecords,
    rewritten: false,
  };
  let size = parsed.tornTail?.offset ?? data.length;
  if (parsed.bad.length > 0) replay.quarantineFile = await quarantine(file, data, parsed.bad, now);
  if (parsed.bad.length > 0 || legacyRecords > 0) {
    const rewritten = goodRecords(data, isRecord);
    await replaceFile(file, rewritten, { durable: true });
    replay.rewritten = true;
    size = rewritten.length;
  } else if (parsed.tornTail) {
    await truncate(file, parsed.tornTail.offset);
  }
  return { replay, size };
}

/** The good records (read again: this is the rare path), each framed in the current format. */
function goodRecords<R>(data: Buffer, isRecord: (value: unknown) => value is R): Buffer {
  const chunks: Buffer[] = [];
  parseJournal(data, isRecord, (_record, frame) => {
    if (frame.legacy) chunks.push(Buffer.from(encodeJson(data.toString("utf8", frame.bodyStart, frame.bodyEnd))));
    else chunks.push(data.subarray(frame.offset, frame.bodyEnd), NEWLINE);
  });
  return Buffer.concat(chunks);
}

const NEWLINE = Buffer.from("\n");

/**
 * Copy the damaged lines to `<journal>.quarantine.<time>`: a JSON header line,
 * then one JSON line per damaged line with its offset, length, reason and bytes
 * (as text when they are valid UTF-8, else base64). Returns the file's path.
 */
async function quarantine(file: string, data: Buffer, bad: BadLine[], now: Date): Promise<string> {
  const lines = [
    JSON.stringify({
      journal: file,
      quarantinedAt: now.toISOString(),
      lines: bad.length,
      note: "Lines of the dev worker's queue journal that failed their checksum or shape check at start; they were skipped, not loaded. Each: byte offset in the journal, length, reason, bytes.",
    }),
  ];
  for (const line of bad) {
    const bytes = data.subarray(line.offset, line.offset + line.bytes);
    const text = bytes.toString("utf8");
    const content = Buffer.from(text, "utf8").equals(bytes) ? { text } : { base64: bytes.toString("base64") };
    lines.push(JSON.stringify({ ...line, ...content }));
  }
  const stamp = now.toISOString().replace(/:/g, "-");
  for (let n = 0; ; n++) {
    const target = `${file}.quarantine.${stamp}${n === 0 ? "" : `.${n}`}`;
    try {
      await writeDurably(target, lines.join("\n") + "\n", { exclusive: true });
      syncDirectory(path.dirname(file));
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
