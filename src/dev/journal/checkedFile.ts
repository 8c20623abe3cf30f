/**
 * A state file `dev` writes whole and reads back (the payload-shape cache, the
 * running-worker record): one record in the journal's framing (`<length>
 * <crc32c> <json>`, journalFormat.ts), written to a temporary file and renamed.
 * Read back, anything but one whole record of the expected shape is damage: the
 * file is set aside (renamed `<name>.damaged-<time>`) and the reader is told
 * why, so a flipped byte never becomes a value dev trusts.
 */
import { readFile, rename } from "node:fs/promises";
import { replaceFile } from "../../files/atomicFile.js";
import { encodeRecord, parseJournal } from "./journalFormat.js";

export type CheckedRead<T> =
  | { state: "ok"; value: T }
  | { state: "missing" }
  /** `setAside`: where the damaged file now is (undefined when it could not be moved). */
  | { state: "damaged"; reason: string; setAside?: string };

/** Written whole and renamed into place: a reader sees the old record or the new one (a temp per process: dev and a CLI may write at once). */
export async function writeCheckedFile(file: string, value: object): Promise<void> {
  await replaceFile(file, encodeRecord(value));
}

export async function readCheckedFile<T>(file: string, isValue: (value: unknown) => value is T): Promise<CheckedRead<T>> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "missing" };
    return { state: "damaged", reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const reason = problemOf(data, isValue);
  // Plain JSON, as letsgo-worker wrote these files before checksums: stale, so as good as absent.
  if (reason === LEGACY) return { state: "missing" };
  if (reason === undefined) {
    let value: T | undefined;
    parseJournal(data, isValue, (record) => (value = record));
    return { state: "ok", value: value! };
  }
  const setAside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  try {
    await rename(file, setAside);
    return { state: "damaged", reason, setAside };
  } catch {
    return { state: "damaged", reason };
  }
}

const LEGACY = "written before checksums";

function problemOf<T>(data: Buffer, isValue: (value: unknown) => value is T): string | undefined {
  const parsed = parseJournal(data, isValue);
  if (parsed.records === 1 && parsed.legacyRecords === 0 && parsed.bad.length === 0 && parsed.tornTail === null) return undefined;
  if (parsed.bad.length > 0) return parsed.bad[0]!.reason;
  if (parsed.tornTail) return "it ends in the middle of its record";
  if (parsed.legacyRecords > 0) return LEGACY;
  return parsed.records === 0 ? "it is empty" : "it holds more than one record";
}
