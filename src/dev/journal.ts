/**
 * The queue's durable form: an append-only file of JSON lines, one queue record
 * each. Appends made in the same event-loop turn (and while a write is running)
 * share one write and one fsync (group commit), so an HTTP 201 can wait for
 * durability without costing a disk flush per message. On start the file is
 * replayed; a torn last line (kill -9 mid-write) is dropped. When the file holds
 * far more records than live messages, it is rewritten from a snapshot.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { mkdir, open, readFile, rename, truncate, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { QueueRecord } from "./messageQueue.js";
import { ProjectError, ServiceError } from "../errors.js";

/** A write after close: the dev worker is stopping. Nothing was written; the caller must not report success. */
export class JournalClosedError extends ServiceError {
  override name = "JournalClosedError";
  readonly httpStatus = 503;
  constructor() {
    super("The dev worker is stopping: nothing more is written to its journal. Send the message again once `letsgo-worker dev` is running.");
  }
}

/** A journal line: queue records, and others (seen webhook ids) that share the file and its fsyncs. */
export interface JournalRecord {
  k: string;
}

export interface JournalOptions {
  file: string;
  /** Compact only once the file has at least this many records. */
  compactMinRecords?: number;
  /** ...and more than this many times the live messages. */
  compactRatio?: number;
}

export interface ReplayResult {
  records: number;
  /** A partial last line was found (and cut off). */
  tornTail: boolean;
}

interface Pending {
  line: string;
  /** Enqueues are applied to the queue only once durable; everything else already was. */
  enqueue: boolean;
}

export class Journal<R extends JournalRecord = QueueRecord> {
  private pending: Pending[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private records = 0;
  private snapshotSource: (() => R[]) | null = null;
  private liveCount: () => number = () => 0;

  private constructor(
    private handle: FileHandle,
    private readonly options: Required<JournalOptions>,
  ) {}

  /** Open (creating if needed) and replay the journal into `apply`. */
  static async open<R extends JournalRecord = QueueRecord>(
    options: JournalOptions,
    apply: (record: R) => void,
  ): Promise<{ journal: Journal<R>; replay: ReplayResult }> {
    const full = { compactMinRecords: 50_000, compactRatio: 4, ...options };
    await mkdir(path.dirname(full.file), { recursive: true });
    const replay = await replayFile(full.file, apply);
    const handle = await open(full.file, "a");
    const journal = new Journal<R>(handle, full);
    journal.records = replay.records;
    return { journal, replay };
  }

  /** What compaction writes: the queue's current state (enqueues still pending are kept as they are). */
  setSnapshotSource(snapshot: () => R[], liveCount: () => number): void {
    this.snapshotSource = snapshot;
    this.liveCount = liveCount;
  }

  get recordCount(): number {
    return this.records;
  }

  /** Append without waiting (receives, deletes, failures: losing one only means a redelivery). */
  write(record: R): void {
    if (this.closed) return;
    this.pending.push({ line: JSON.stringify(record) + "\n", enqueue: record.k === "e" });
    this.schedule();
  }

  /** Append and resolve once the records are on disk. */
  append(records: R[]): Promise<void> {
    if (this.closed) return Promise.reject(new JournalClosedError());
    for (const record of records) this.pending.push({ line: JSON.stringify(record) + "\n", enqueue: record.k === "e" });
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Write everything pending now. */
  async flush(): Promise<void> {
    while (this.flushing || this.pending.length > 0) {
      if (this.flushing) await this.flushing;
      else await this.runFlush();
    }
  }

  /** Rewrite the file from the current state if it has grown much larger than the live set. */
  async compactIfWorthIt(): Promise<boolean> {
    if (!this.snapshotSource || this.records < this.options.compactMinRecords) return false;
    if (this.records <= this.options.compactRatio * this.liveCount()) return false;
    await this.compact();
    return true;
  }

  async compact(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    const run = (async () => {
      await null; // run after `this.flushing` is set, even if the snapshot throws at once
      try {
        await this.runCompaction();
      } finally {
        this.flushing = null;
        if (this.pending.length > 0) this.schedule();
      }
    })();
    this.flushing = run;
    await run;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate: every append from this turn (and this poll phase's I/O callbacks) joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing && this.pending.length > 0) void this.runFlush().catch(() => {});
    });
  }

  private runFlush(): Promise<void> {
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const run = (async () => {
      try {
        await this.handle.write(batch.map((p) => p.line).join(""));
        await this.handle.datasync();
        this.records += batch.length;
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
        throw error;
      } finally {
        this.flushing = null;
        if (this.pending.length > 0) this.schedule();
        else if (!this.closed) void this.compactIfWorthIt().catch(() => {});
      }
    })();
    this.flushing = run;
    return run;
  }

  private async runCompaction(): Promise<void> {
    // Taken synchronously: the snapshot already reflects every pending record except
    // enqueues, which are applied only after they are durable, so those are kept.
    const snapshot = this.snapshotSource!();
    const carried = this.pending.filter((p) => p.enqueue);
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const file = this.options.file;
    const temp = `${file}.compact`;
    try {
      const out = await open(temp, "w");
      try {
        const chunk: string[] = [];
        for (const record of snapshot) {
          chunk.push(JSON.stringify(record) + "\n");
          if (chunk.length >= 4096) await out.write(chunk.splice(0).join(""));
        }
        for (const p of carried) chunk.push(p.line);
        await out.write(chunk.join(""));
        await out.datasync();
      } finally {
        await out.close();
      }
      await rename(temp, file);
      syncDirectory(path.dirname(file));
      await this.handle.close();
      this.handle = await open(file, "a");
      this.records = snapshot.length + carried.length;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      throw error;
    }
  }
}

async function replayFile<R extends JournalRecord>(file: string, apply: (record: R) => void): Promise<ReplayResult> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: 0, tornTail: false };
    throw error;
  }
  let records = 0;
  let start = 0;
  let goodEnd = 0;
  let tornTail = false;
  while (start < data.length) {
    const end = data.indexOf(10, start);
    const lineEnd = end === -1 ? data.length : end;
    const line = data.toString("utf8", start, lineEnd);
    let record: R | undefined;
    try {
      record = line.trim() === "" ? undefined : (JSON.parse(line) as R);
    } catch {
      record = undefined;
    }
    if (end === -1 || (record === undefined && line.trim() !== "")) {
      // Only the last line can be torn: a bad line followed by good ones is real damage.
      if (end === -1 || data.indexOf(10, end + 1) === -1) {
        tornTail = true;
        break;
      }
      throw new ProjectError(
        `${file}: line ${records + 1} is not a journal record, and records follow it, so the file is damaged (not just cut short by a crash). ` +
          "dev will not guess: to start with an empty queue, move the file away (the messages in it are then no longer delivered; they stay readable in the moved file).",
      );
    }
    if (record) {
      apply(record);
      records++;
    }
    start = end + 1;
    goodEnd = start;
  }
  if (tornTail) await truncate(file, goodEnd);
  return { records, tornTail };
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  }
}
