/**
 * The journal's record format, pure (no I/O). One record per line:
 *
 *     <length> <crc32c> <json>\n        e.g.  61 0a1b2c3d {"k":"d","ids":["..."]}
 *
 * `length` is the byte length of the JSON (decimal), `crc32c` its CRC32C (8
 * lowercase hex digits). JSON.stringify never emits a raw newline, so the file
 * stays line-oriented and readable. The checksum covers the JSON; the length is
 * checked by the framing (the checksum of any other span fails), so a flipped
 * byte anywhere in a record is caught. Lines starting with `{` are the format
 * before checksums (plain JSON): read, shape-checked and rewritten, but only
 * before the first checksummed record (after one they are bad lines).
 *
 * Parsing never guesses: a record whose frame, checksum, JSON or shape is wrong
 * is reported as a bad line (with its byte offset), and parsing goes on at the
 * next line; bytes after the last complete line are the torn tail.
 */
import { crc32c, crc32cAscii } from "./crc32c.js";

const NEWLINE = 0x0a;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;
/** A record is at most 1 GB: ten digits would be damage. */
const MAX_LENGTH_DIGITS = 9;

/** Two lowercase hex digits per byte value (cheaper than toString(16) per record). */
const HEX = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, "0"));

/** One framed record as a line, newline included. */
export function encodeRecord(record: object): string {
  return encodeJson(JSON.stringify(record));
}

/** Frame a JSON text (one without raw newlines, as JSON.stringify writes it). */
export function encodeJson(json: string): string {
  const bodyLength = Buffer.byteLength(json);
  // JSON.stringify's output is nearly always ASCII: then the string's chars are its bytes.
  const crc = bodyLength === json.length ? crc32cAscii(json) : crc32c(Buffer.from(json));
  return `${bodyLength} ${HEX[crc >>> 24]}${HEX[(crc >>> 16) & 0xff]}${HEX[(crc >>> 8) & 0xff]}${HEX[crc & 0xff]} ${json}\n`;
}

/** Where a good record is in the file. */
export interface RecordFrame {
  /** Where its line starts. */
  offset: number;
  /** The JSON's bytes. */
  bodyStart: number;
  bodyEnd: number;
  /** Written before checksums (a plain JSON line). */
  legacy: boolean;
}

export interface BadLine {
  /** Byte offset in the file. */
  offset: number;
  /** Length, its newline included. */
  bytes: number;
  reason: string;
}

export interface ParsedJournal {
  /** Good records (each handed to `onRecord`). */
  records: number;
  /** ...of which in the format before checksums. */
  legacyRecords: number;
  bad: BadLine[];
  /** Bytes after the last complete line (a write cut short by a crash), if any. */
  tornTail: { offset: number; bytes: number } | null;
}

/** Read every line of `data`, handing each good record to `onRecord` in file order. */
export function parseJournal<R>(data: Buffer, isRecord: (value: unknown) => value is R, onRecord: (record: R, frame: RecordFrame) => void = () => {}): ParsedJournal {
  const result: ParsedJournal = { records: 0, legacyRecords: 0, bad: [], tornTail: null };
  const good = (record: R, frame: RecordFrame) => {
    result.records++;
    if (frame.legacy) result.legacyRecords++;
    onRecord(record, frame);
  };
  let offset = 0;
  // Only a file from before checksums starts with plain JSON lines; recovery rewrites it
  // framed, so a plain line after a framed one is damage (or an insertion), never a record.
  let framedSeen = false;
  while (offset < data.length) {
    if (data[offset] === NEWLINE) {
      offset++; // an empty line: nothing to read (a write probe leaves these)
      continue;
    }
    const framed = readFrame(data, offset);
    if (framed && framed.bodyEnd < data.length && crc32c(data, framed.bodyStart, framed.bodyEnd) === framed.crc) {
      // The checksum vouches for the span, so the separator byte after it is trusted
      // even when it is damaged (not a newline): the next record is not lost with it.
      const end = framed.bodyEnd + 1;
      const decoded = decode(data, framed.bodyStart, framed.bodyEnd, isRecord);
      if (typeof decoded === "string") result.bad.push({ offset, bytes: end - offset, reason: decoded });
      else good(decoded.record, { offset, bodyStart: framed.bodyStart, bodyEnd: framed.bodyEnd, legacy: false });
      framedSeen = true;
      offset = end;
      continue;
    }
    const newline = data.indexOf(NEWLINE, offset);
    if (newline === -1) {
      result.tornTail = { offset, bytes: data.length - offset };
      return result;
    }
    const end = newline + 1;
    if (framed) {
      result.bad.push({ offset, bytes: end - offset, reason: framed.bodyEnd >= data.length ? "its length runs past the end of the file" : "checksum mismatch" });
    } else if (data[offset] === OPEN_BRACE && framedSeen) {
      result.bad.push({ offset, bytes: end - offset, reason: "a line without length and checksum after checksummed records" });
    } else if (data[offset] === OPEN_BRACE) {
      const decoded = decode(data, offset, newline, isRecord);
      if (typeof decoded === "string") result.bad.push({ offset, bytes: end - offset, reason: decoded });
      else good(decoded.record, { offset, bodyStart: offset, bodyEnd: newline, legacy: true });
    } else {
      result.bad.push({ offset, bytes: end - offset, reason: "not a journal record (no length and checksum)" });
    }
    offset = end;
  }
  return result;
}

/** `<length> <crc> ` at `offset`, or null when the line does not start with one. */
function readFrame(data: Buffer, offset: number): { crc: number; bodyStart: number; bodyEnd: number } | null {
  let i = offset;
  let length = 0;
  while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39) {
    length = length * 10 + (data[i]! - 0x30);
    if (++i - offset > MAX_LENGTH_DIGITS) return null;
  }
  if (i === offset || data[i] !== SPACE) return null;
  const crcStart = i + 1;
  if (crcStart + 9 > data.length || data[crcStart + 8] !== SPACE) return null;
  let crc = 0;
  for (let j = crcStart; j < crcStart + 8; j++) {
    const digit = hexValue(data[j]!);
    if (digit < 0) return null;
    crc = crc * 16 + digit;
  }
  const bodyStart = crcStart + 9;
  return { crc, bodyStart, bodyEnd: bodyStart + length };
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

function decode<R>(data: Buffer, start: number, end: number, isRecord: (value: unknown) => value is R): { record: R } | string {
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8", start, end));
  } catch {
    return "invalid JSON";
  }
  return isRecord(value) ? { record: value } : "valid JSON but not a journal record (wrong shape)";
}

/** Encoded as they are written: a large snapshot is never held twice. */
export function* encodedLines(records: Iterable<object>): Generator<string> {
  for (const record of records) yield encodeRecord(record);
}
