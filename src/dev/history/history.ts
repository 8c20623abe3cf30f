/**
 * Every message's story for the dashboard: what was sent (body, attributes),
 * each attempt (when, how long, outcome, error and stack, and what the handler
 * printed meanwhile), and where it ended (handled, the DLQ, expired, redriven).
 *
 * Bounded: the newest HISTORY_LIMIT messages of the last 7 days, bodies cut at
 * 64 KiB, output at 200 lines an attempt. Kept in apps/worker/.letsgo/history.json
 * (one entry per line, framed and checksummed as the journal's records: a
 * damaged line is left out and counted, and the file set aside): what changed
 * is appended at most every few seconds, and the file rewritten whole when it
 * has grown and at shutdown (historyFile.ts). A crash loses at most those
 * seconds of history, never a message (the queue's journal keeps messages). Messages still
 * in the queue at start get an entry from the journal if the history lacks one.
 */
import { copyFile } from "node:fs/promises";
import { HistoryWriter, readHistoryFile } from "./historyFile.js";
import { historyMatcher, type HistoryFilter } from "./historySearch.js";

export type HistoryStatus = "waiting" | "retrying" | "handled" | "dead" | "expired" | "redriven";

/** How the message came in. */
export type HistorySource = "send" | "stripe" | "redrive" | "replay" | "schedule" | "journal";

export interface OutputLine {
  stream: "stdout" | "stderr";
  line: string;
}

export interface HistoryAttempt {
  /** 1 for the first receive. */
  n: number;
  /** The invocation's awsRequestId: the batch it ran in. */
  requestId: string;
  /** When the handler started (ms since the epoch). */
  at: number;
  durationMs: number;
  ok: boolean;
  error?: string;
  stack?: string;
  /** What the handler process printed during the invocation (the whole batch's, as in a Lambda log stream). */
  output: OutputLine[];
}

/** Something that happened to a message besides an attempt: it went to the DLQ, expired, or was copied (redrive, replay). */
export interface HistoryMark {
  at: number;
  what: "dead" | "expired" | "redriven" | "replayed";
  /** The copy's id, for a redrive or a replay. */
  to?: string;
}

export interface HistoryEntry {
  id: string;
  type: string;
  body: string;
  /** The body's size when it was longer than the history keeps (then `body` is cut and cannot be replayed as is). */
  bodyBytes?: number;
  attributes?: Record<string, { dataType: string; value: string }>;
  sentAt: number;
  source: HistorySource;
  /** The message this one is a redrive or replay of. */
  from?: string;
  /** The redrive or replays made from this one. */
  copies?: string[];
  status: HistoryStatus;
  attempts: HistoryAttempt[];
  /** What happened to it besides attempts, in order (entries kept before marks existed have none). */
  marks?: HistoryMark[];
  /** Last change (ms since the epoch): the newest first in lists. */
  updatedAt: number;
  /** The history's change counter at the last change (for changedSince). */
  seq?: number;
}

/** One line of the message list. */
export interface HistorySummary {
  id: string;
  type: string;
  status: HistoryStatus;
  source: HistorySource;
  sentAt: number;
  updatedAt: number;
  attempts: number;
  lastError?: string;
  durationMs?: number;
}

export const HISTORY_LIMIT = 10_000;
const MAX_AGE_MS = 7 * 24 * 3600_000;
/** Bodies longer than this are kept cut in the history (the queue keeps them whole while they are in it). */
const MAX_BODY_CHARS = 64 * 1024;
const MAX_OUTPUT_LINES = 200;
const MAX_LINE_CHARS = 2_000;
/** Output waits here, by request id, for the attempt it belongs to. */
const OUTPUT_REQUESTS_KEPT = 500;
const WRITE_EVERY_MS = 3_000;
/** Writes are spaced at least this many times as long as the last one took: the history (a convenience) takes at most ~3% of dev's time. */
const WRITE_SPACING = 30;

/** Lines of history.json that failed their checksum or shape at start, and where the file was copied. */
export interface HistoryDamage {
  lines: number;
  setAside?: string;
}

/** The fields every use of an entry relies on; the checksum vouches for the rest. */
function isHistoryEntry(value: unknown): value is HistoryEntry {
  const entry = value as Partial<HistoryEntry> | null;
  return (
    typeof entry === "object" && entry !== null &&
    typeof entry.id === "string" && typeof entry.type === "string" && typeof entry.body === "string" &&
    typeof entry.status === "string" && typeof entry.updatedAt === "number" && Array.isArray(entry.attempts)
  );
}

export interface HistoryOptions {
  /** Where the history is kept; none keeps it in memory only. */
  file?: string;
  limit?: number;
  now?: () => number;
}

export class MessageHistory {
  private readonly entries = new Map<string, HistoryEntry>();
  /**
   * Ids in the order they came in, oldest at `head`. Not the Map's own order:
   * V8 leaves deleted entries in a Map's table until it rehashes, so walking it
   * from the start to find the oldest passes every entry deleted before (as
   * slow as the whole history, per message, under load).
   */
  private order: string[] = [];
  private head = 0;
  private readonly outputs = new Map<string, OutputLine[]>();
  private outputOrder: string[] = [];
  private outputHead = 0;
  private readonly limit: number;
  private readonly now: () => number;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** How long the last write took, encoding included (ms). */
  private lastWriteMs = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly writer: HistoryWriter | undefined;
  /** Entries changed since the last write: what the next one appends. */
  private changed = new Set<string>();
  /** The entries each invocation's output is filed under: output that comes after the outcome changes them too. */
  private readonly outputEntries = new Map<string, string[]>();
  /** Bumped on every change; `changedSince` answers from it. */
  private seq = 0;

  constructor(private readonly options: HistoryOptions = {}) {
    this.limit = options.limit ?? HISTORY_LIMIT;
    this.now = options.now ?? Date.now;
    this.writer = options.file ? new HistoryWriter(options.file) : undefined;
  }

  /** Read what an earlier run kept, line by line (historyFile.ts): never the whole text at once (it cost ~23 MB of idle memory). */
  async load(): Promise<HistoryDamage | undefined> {
    const file = this.options.file;
    if (!file) return undefined;
    const oldest = this.now() - MAX_AGE_MS;
    const loaded = new Map<string, HistoryEntry>();
    const { damaged, legacy } = await readHistoryFile(file, isHistoryEntry, (entry) => {
      if (!loaded.has(entry.id)) this.order.push(entry.id);
      loaded.set(entry.id, entry);
    });
    for (const [id, entry] of loaded) {
      if (!(entry.updatedAt >= oldest)) continue;
      entry.seq = 0;
      this.entries.set(id, entry);
    }
    this.order = this.order.filter((id) => this.entries.has(id));
    this.trim();
    // Rewritten whole at the first write: framed, one line an entry, the damage gone.
    if (legacy > 0 || damaged > 0) this.touchFile();
    if (damaged === 0) return undefined;
    // Kept for a look; the next write replaces history.json with the good entries alone.
    const setAside = `${file}.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, "-")}`;
    const moved = await copyFile(file, setAside).then(() => true, () => false);
    return { lines: damaged, ...(moved ? { setAside } : {}) };
  }

  /** A message that came in. */
  accepted(message: { id: string; type: string; body: string; attributes?: HistoryEntry["attributes"]; sentAt: number }, source: HistorySource, from?: string): void {
    const cut = message.body.length > MAX_BODY_CHARS;
    const entry: HistoryEntry = {
      id: message.id,
      type: message.type,
      body: cut ? message.body.slice(0, MAX_BODY_CHARS) : message.body,
      ...(cut ? { bodyBytes: Buffer.byteLength(message.body) } : {}),
      ...(message.attributes ? { attributes: message.attributes } : {}),
      sentAt: message.sentAt,
      source,
      ...(from ? { from } : {}),
      status: "waiting",
      attempts: [],
      updatedAt: this.now(),
    };
    this.entries.set(entry.id, entry);
    this.order.push(entry.id);
    if (from) {
      const original = this.entries.get(from);
      if (original) {
        (original.copies ??= []).push(entry.id);
        if (source === "redrive") original.status = "redriven";
        if (source === "redrive" || source === "replay") this.mark(original, source === "redrive" ? "redriven" : "replayed", entry.id);
        this.touch(original);
      }
    }
    this.touch(entry);
    this.trim();
  }

  /** An attempt ended. `dead`: the message went to the DLQ with it. */
  attempt(outcome: { id: string; attempt: number; requestId: string; durationMs: number; error?: string; stack?: string; dead?: boolean }, ok: boolean): void {
    const entry = this.entries.get(outcome.id);
    if (!entry) return;
    entry.attempts.push({
      n: outcome.attempt,
      requestId: outcome.requestId,
      at: this.now() - Math.round(outcome.durationMs),
      durationMs: Math.round(outcome.durationMs * 10) / 10,
      ok,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.stack !== undefined ? { stack: outcome.stack } : {}),
      output: this.outputOf(outcome.requestId),
    });
    const filed = this.outputEntries.get(outcome.requestId);
    if (filed) filed.push(entry.id);
    else this.outputEntries.set(outcome.requestId, [entry.id]);
    entry.status = ok ? "handled" : outcome.dead ? "dead" : "retrying";
    if (outcome.dead) this.mark(entry, "dead");
    this.touch(entry);
  }

  /** Moved to the DLQ without an attempt of its own ending (its receives ran out). */
  dead(id: string): void {
    this.setStatus(id, "dead");
  }

  expired(id: string): void {
    this.setStatus(id, "expired");
  }

  /** A line the handler process printed during invocation `requestId`. */
  output(requestId: string, line: string, stream: OutputLine["stream"]): void {
    const lines = this.outputOf(requestId);
    if (lines.length >= MAX_OUTPUT_LINES) return;
    lines.push({ stream, line: line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line });
    const filed = this.outputEntries.get(requestId);
    if (!filed) return;
    for (const id of filed) this.changed.add(id);
    this.touchFile();
  }

  get(id: string): HistoryEntry | undefined {
    return this.entries.get(id);
  }

  /** Newest first, those `filter` matches (historySearch.ts): up to `limit` of them, and how many match in all. */
  list(filter: HistoryFilter & { limit?: number } = {}): { messages: HistorySummary[]; matching: number } {
    const limit = Math.min(filter.limit ?? 200, 1_000);
    const matches = historyMatcher(filter);
    const found: HistorySummary[] = [];
    let matching = 0;
    for (const entry of [...this.entries.values()].sort((a, b) => b.updatedAt - a.updatedAt)) {
      if (!matches(entry)) continue;
      matching++;
      if (found.length < limit) found.push(summary(entry));
    }
    return { messages: found, matching };
  }

  /**
   * Summaries of the entries changed after `since` (a value `version` gave), newest
   * first, and the new version. A walk of the whole history: the dashboard asks
   * once a second, and only while a page is open.
   */
  changedSince(since: number, max = 200): { seq: number; changed: HistorySummary[] } {
    const changed: HistoryEntry[] = [];
    for (const entry of this.entries.values()) if ((entry.seq ?? 0) > since) changed.push(entry);
    changed.sort((a, b) => b.seq! - a.seq!);
    return { seq: this.seq, changed: changed.slice(0, max).map(summary) };
  }

  get size(): number {
    return this.entries.size;
  }

  get version(): number {
    return this.seq;
  }

  /** Write now if anything changed, and stop the timer. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One line an entry for the next start, however the file grew.
    if (this.dirty) await this.write(true);
    await this.writing;
  }

  private setStatus(id: string, status: "dead" | "expired"): void {
    const entry = this.entries.get(id);
    if (!entry || entry.status === status) return;
    entry.status = status;
    this.mark(entry, status);
    this.touch(entry);
  }

  private mark(entry: HistoryEntry, what: HistoryMark["what"], to?: string): void {
    (entry.marks ??= []).push({ at: this.now(), what, ...(to ? { to } : {}) });
  }

  /** What the handler printed during invocation `requestId` (the latest OUTPUT_REQUESTS_KEPT invocations; lines that come later join the same list). */
  outputOf(requestId: string): OutputLine[] {
    let lines = this.outputs.get(requestId);
    if (!lines) {
      this.outputs.set(requestId, (lines = []));
      this.outputOrder.push(requestId);
      if (this.outputs.size > OUTPUT_REQUESTS_KEPT) {
        const evicted = this.outputOrder[this.outputHead++]!;
        this.outputs.delete(evicted);
        this.outputEntries.delete(evicted);
      }
      if (this.outputHead > 4_096) {
        this.outputOrder = this.outputOrder.slice(this.outputHead);
        this.outputHead = 0;
      }
    }
    return lines;
  }

  private touch(entry: HistoryEntry): void {
    entry.updatedAt = this.now();
    entry.seq = ++this.seq;
    this.changed.add(entry.id);
    this.touchFile();
  }

  private touchFile(): void {
    this.dirty = true;
    if (this.options.file && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.write();
      }, Math.max(WRITE_EVERY_MS, WRITE_SPACING * this.lastWriteMs));
      this.timer.unref();
    }
  }

  private trim(): void {
    while (this.entries.size > this.limit && this.head < this.order.length) this.entries.delete(this.order[this.head++]!);
    if (this.head > 4_096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Append what changed since the last write (history.json is rewritten whole when it has grown, and with `whole`). */
  private write(whole = false): Promise<void> {
    const writer = this.writer;
    if (!writer) return Promise.resolve();
    this.dirty = false;
    const oldest = this.now() - MAX_AGE_MS;
    const changed: HistoryEntry[] = [];
    for (const id of this.changed) {
      const entry = this.entries.get(id);
      if (entry && entry.updatedAt >= oldest) changed.push(entry);
    }
    this.changed = new Set();
    this.writing = this.writing
      .then(async () => {
        const started = performance.now();
        const all = () => [...this.entries.values()].filter((entry) => entry.updatedAt >= oldest);
        await writer.write(changed, { count: this.entries.size, all }, whole); // `seq` goes along; load() resets it
        this.lastWriteMs = performance.now() - started;
      })
      .catch(() => undefined); // the history is a convenience: a full disk must not stop the worker
    return this.writing;
  }

}

function summary(entry: HistoryEntry): HistorySummary {
  const last = entry.attempts[entry.attempts.length - 1];
  return {
    id: entry.id,
    type: entry.type,
    status: entry.status,
    source: entry.source,
    sentAt: entry.sentAt,
    updatedAt: entry.updatedAt,
    attempts: entry.attempts.length,
    ...(last && !last.ok && last.error ? { lastError: last.error } : {}),
    ...(last ? { durationMs: last.durationMs } : {}),
  };
}
