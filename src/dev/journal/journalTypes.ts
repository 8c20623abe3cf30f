/** What a journal holds, how it is opened, and the state it reports. */
import type { JournalIo } from "./journalIo.js";

/** A journal line: queue records, and others (seen webhook ids) that share the file and its fsyncs. */
export interface JournalRecord {
  k: string;
}

export interface JournalOptions<R> {
  file: string;
  /** Whether a value read back is a whole record of this journal (anything else is quarantined, never loaded). */
  isRecord: (value: unknown) => value is R;
  /** Compact only once the file has at least this many records. */
  compactMinRecords?: number;
  /** ...and more than this many times the live messages. */
  compactRatio?: number;
  /** Told when writes start failing, and when they work again. */
  onStateChange?: (state: JournalState) => void;
  /** Waits between retries while writes fail: the first, doubling up to the longest (ms). Default 100 and 2,000. */
  retryDelayMs?: { first: number; max: number };
  /** Test hook: stands in for the writes and fsyncs (see JournalIo). */
  io?: JournalIo;
  /** Messages the queue holds, for the seal (journalSeal.ts). */
  messageCount?: () => number;
}

export type JournalState =
  | { ok: true; unwritten: number }
  | { ok: false; code: string; reason: string; since: string; unwritten: number };
