/**
 * The queue's durable form: an append-only file of checksummed records
 * (journalFormat.ts), one queue change each. Appends made in the same
 * event-loop turn (and while a write is running) share one write and one fsync
 * (group commit), so an HTTP 201 can wait for durability without costing a
 * disk flush per message. A write is checked to the last byte and fsynced; a
 * write that fails is cut back off the file (truncated to the last good
 * record) before anything else is written.
 *
 * Two kinds of writes:
 * - `append`: records the caller applies only once they are durable (an
 *   enqueue). If the write fails they are dropped and the promise rejects with
 *   a JournalWriteError (HTTP 503): nothing of that request was accepted.
 * - `write`: records already applied in memory (receives, deletes, failures).
 *   If the write fails they stay pending, in order, and are written once the
 *   disk takes them again: a crash meanwhile means a redelivery, never a lost
 *   message.
 * While writes fail (disk full, read-only, EIO), the journal retries on a
 * backoff timer and on every new append, and reports its state, so dev
 * resumes by itself when the condition clears.
 *
 * On start the file is replayed (journalRecovery.ts). When the file holds far
 * more records than live messages, it is rewritten from a snapshot.
 */
import { constants } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { ServiceError } from "../../errors.js";
import { JournalClosedError, JournalWriteError, stateDirectoryError } from "./diskErrors.js";
import { WriteFailures } from "./writeFailures.js";
import type { JournalOptions, JournalRecord, JournalState } from "./journalTypes.js";
import { FILE_IO, writeCompactedFile, type JournalIo } from "./journalIo.js";
import { syncDirectory } from "../../files/atomicFile.js";
import { encodedLines, encodeRecord } from "./journalFormat.js";
import { recoverJournal, type ReplayResult } from "./journalRecovery.js";
import { compareSeal, journalFacts, readSeal, SealWriter } from "./journalSeal.js";

/** How long a `write` record waits for an `append` to share its write and fsync with. */
const WRITE_GATHER_MS = 20;

interface Owner {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Pending {
  /** The framed line (journalFormat.ts); "" for a `sync` marker. */
  line: string;
  /** Set for `append` records (applied by the caller only once durable); null for `write` records (applied already). */
  owner: Owner | null;
}

export class Journal<R extends JournalRecord> {
  private pending: Pending[] = [];
  /** Records in the write now running. */
  private writing = 0;
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** Armed while only `write` records wait (see write()). */
  private gatherTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private records = 0;
  /** The end of the last good record: where the next write goes. */
  private size: number;
  /** Bytes past `size` may be in the file (a failed write whose truncation failed too). */
  private dirty = false;
  private readonly failures: WriteFailures;
  /** Compaction failed (a full disk): not again before the file has this many records. */
  private compactAfterRecords = 0;
  private snapshotSource: (() => R[]) | null = null;
  private liveCount: () => number = () => 0;
  private readonly io: JournalIo;
  private readonly dir: string;
  private readonly seal: SealWriter;
  /** The journal file's inode, for the seal. */
  private ino = 0;
  private sealScheduled = false;

  private constructor(
    private handle: FileHandle,
    size: number,
    private readonly options: JournalOptions<R> & { compactMinRecords: number; compactRatio: number; retryDelayMs: { first: number; max: number } },
  ) {
    this.size = size;
    this.io = options.io ?? FILE_IO;
    this.dir = path.dirname(options.file);
    this.failures = new WriteFailures(this.dir, options.retryDelayMs, () => options.onStateChange?.(this.state));
    this.seal = new SealWriter(options.file);
  }

  /**
   * Open (creating if needed), recover and replay the journal into `apply`. A
   * state directory that cannot be written (full, read-only, no permission) is a
   * StateDirectoryError: the user can fix it.
   */
  static async open<R extends JournalRecord>(
    options: JournalOptions<R>,
    apply: (record: R) => void,
  ): Promise<{ journal: Journal<R>; replay: ReplayResult }> {
    const full = { compactMinRecords: 50_000, compactRatio: 4, retryDelayMs: { first: 100, max: 2_000 }, ...options };
    const dir = path.dirname(full.file);
    try {
      await mkdir(dir, { recursive: true });
      // The seal and the file as they were, before recovery cuts or rewrites anything.
      const [seal, before] = [await readSeal(full.file), await journalFacts(full.file)];
      const { replay, size } = await recoverJournal(full.file, full.isRecord, apply);
      replay.seal = compareSeal(seal, before, replay.records);
      const handle = await open(full.file, constants.O_RDWR | constants.O_CREAT, 0o644);
      const journal = new Journal<R>(handle, size, full);
      journal.records = replay.records;
      journal.ino = (await handle.stat()).ino;
      await journal.writeSeal();
      return { journal, replay };
    } catch (error) {
      throw stateDirectoryError(error, dir);
    }
  }

  /** What compaction writes: the queue's current state (appends still pending are kept as they are). */
  setSnapshotSource(snapshot: () => R[], liveCount: () => number): void {
    this.snapshotSource = snapshot;
    this.liveCount = liveCount;
  }

  get recordCount(): number {
    return this.records;
  }

  /** Whether writes work, and how many records wait to be written. */
  get state(): JournalState {
    const unwritten = this.writing + this.pending.filter((p) => p.line !== "").length;
    const failure = this.failures.current;
    if (!failure) return { ok: true, unwritten };
    const { code, reason, since } = failure;
    return { ok: false, code, reason, since, unwritten };
  }

  /**
   * Append a record already applied in memory, without waiting; kept and
   * retried while writes fail. It waits up to WRITE_GATHER_MS for an append to
   * share a write and fsync with: under load one fsync serves both, where it
   * took one each before. A crash in that time can lose only such records
   * (a receive, a delete, a failure's error): the message is delivered again
   * after the restart, at least once as SQS does; nothing accepted is lost.
   */
  write(record: R): void {
    if (this.closed) return;
    this.pending.push({ line: encodeRecord(record), owner: null });
    // While writes fail, the retry timer takes these; new appends (requests) retry at once.
    if (!this.failures.current) this.scheduleSoon();
  }

  /** Append and resolve once the records are on disk; on a failed write they are dropped and this rejects. */
  append(records: R[]): Promise<void> {
    if (this.closed) return Promise.reject(new JournalClosedError());
    return new Promise<void>((resolve, reject) => {
      const owner = { resolve, reject };
      for (const record of records) this.pending.push({ line: encodeRecord(record), owner });
      if (records.length === 0) this.pending.push({ line: "", owner });
      this.schedule();
    });
  }

  /** Resolve once everything written so far is on disk; reject if that write fails (the records stay pending). */
  sync(): Promise<void> {
    return this.append([]);
  }

  /** Write everything pending now; throws if a write fails. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.flushing) {
        await this.flushing.catch(() => {});
        continue;
      }
      if (this.pending.length === 0) return;
      await this.runFlush();
    }
  }

  /** Rewrite the file from the current state if it has grown much larger than the live set. */
  async compactIfWorthIt(): Promise<boolean> {
    if (!this.snapshotSource || this.records < this.options.compactMinRecords || this.records < this.compactAfterRecords) return false;
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

  /** Write what is pending, then close. Records that cannot be written are reported (they mean redeliveries). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } catch (error) {
      if (!(error instanceof JournalWriteError)) throw error;
      const lost = this.pending.filter((p) => p.line !== "").length;
      if (lost === 0) return; // only requests failed, and they were told (503)
      throw new ServiceError(
        `dev stopped with ${lost} queue change${lost === 1 ? "" : "s"} (receives, deletes, failures) not written to its journal: ${error.reason}. ` +
          "The messages they concern are delivered again after a restart (at least once, as SQS does); nothing accepted was lost.",
        { cause: error },
      );
    } finally {
      this.closed = true;
      await this.writeSeal();
      await this.seal.close();
      this.failures.cancelRetry();
      if (this.gatherTimer) clearTimeout(this.gatherTimer);
      this.gatherTimer = null;
      await this.handle.close();
    }
  }

  private scheduleSoon(): void {
    if (this.gatherTimer || this.scheduled || this.flushing || this.closed) return;
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = null;
      // Writes failed meanwhile: the retry timer takes these, as it takes every written record then.
      if (!this.failures.current) this.schedule();
    }, WRITE_GATHER_MS);
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.closed) return;
    this.scheduled = true;
    // setImmediate: every append from this turn (and this poll phase's I/O callbacks) joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing && !this.closed && this.pending.length > 0) void this.runFlush().catch(() => {});
    });
  }

  private runFlush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.writing = batch.filter((p) => p.line !== "").length;
    const run = (async () => {
      try {
        // One string, one UTF-8 encoding: as cheap as the plain JSON lines were.
        const bytes = Buffer.from(batch.length === 1 ? batch[0]!.line : batch.map((p) => p.line).join(""));
        if (bytes.length > 0) {
          await this.writeAt(bytes);
          this.failures.recovered();
        }
        this.records += this.writing;
        for (const p of batch) p.owner?.resolve();
        if (bytes.length > 0) this.sealSoon();
      } catch (error) {
        const failure = this.failures.failed(error, batch.reduce((sum, p) => sum + p.line.length, 0));
        // Appends were applied nowhere yet: refused. Written records wait for the next attempt, first in line.
        for (const p of batch) p.owner?.reject(failure);
        this.pending = [...batch.filter((p) => p.owner === null), ...this.pending];
        throw failure;
      } finally {
        this.writing = 0;
        this.flushing = null;
        this.afterAttempt();
      }
    })();
    this.flushing = run;
    return run;
  }

  /** What follows a write or probe: the next write, a retry, or a compaction. */
  private afterAttempt(): void {
    if (this.failures.current) {
      // Requests that arrived during the failed attempt try again at once; written records wait for the timer.
      if (this.pending.some((p) => p.owner !== null)) this.schedule();
      else this.armRetry();
    } else if (this.pending.some((p) => p.owner !== null)) this.schedule();
    else if (this.pending.length > 0) this.scheduleSoon();
    else if (!this.closed) void this.compactIfWorthIt().catch(() => {});
  }

  /** Write `bytes` after the last good record, all of them, and fsync; on failure cut them off again. */
  private async writeAt(bytes: Buffer): Promise<void> {
    if (this.dirty) {
      await this.handle.truncate(this.size);
      this.dirty = false;
    }
    try {
      for (let done = 0; done < bytes.length; ) {
        const written = await this.io.write(this.handle, bytes, done, bytes.length - done, this.size + done);
        if (!(written > 0)) throw Object.assign(new Error(`the file system wrote ${written} of ${bytes.length - done} bytes and gave no error`), { code: "EWRITE" });
        done += written;
      }
      await this.io.datasync(this.handle);
    } catch (error) {
      this.dirty = true;
      await this.handle.truncate(this.size).then(
        () => (this.dirty = false),
        () => {}, // retried before the next write
      );
      throw error;
    }
    this.size += bytes.length;
  }

  /** While writes fail: try again after a backoff, with the pending records, or with a probe when none are pending. */
  private armRetry(): void {
    if (this.closed) return;
    this.failures.armRetry(() => {
      if (this.closed || this.flushing) return; // a running write re-arms the timer if it fails
      if (this.pending.length > 0) void this.runFlush().catch(() => {});
      else void this.probe();
    });
  }

  /**
   * Nothing is pending, but the last write failed: write as many bytes as it
   * had (empty lines, which replay skips) and cut them off again, to learn
   * whether the disk takes writes again.
   */
  private probe(): Promise<void> {
    const run = (async () => {
      try {
        const bytes = Buffer.alloc(Math.min(Math.max(this.failures.current?.bytes ?? 0, 4096), 1 << 20), 0x0a);
        await this.writeAt(bytes);
        this.size -= bytes.length;
        this.dirty = true;
        await this.handle.truncate(this.size);
        this.dirty = false;
        this.failures.recovered();
      } catch (error) {
        this.failures.failed(error, null);
      } finally {
        this.flushing = null;
        this.afterAttempt();
      }
    })();
    this.flushing = run;
    return run;
  }

  private async runCompaction(): Promise<void> {
    // Taken synchronously: the snapshot reflects every pending `write` record; `append`
    // records are applied only once durable, so those are carried as they are.
    const snapshot = this.snapshotSource!();
    const taken = this.pending;
    const carried = taken.filter((p) => p.owner !== null);
    this.pending = [];
    const file = this.options.file;
    let compacted: { handle: FileHandle; size: number };
    try {
      compacted = await writeCompactedFile(file, this.io, encodedLines(snapshot), carried.map((p) => p.line));
    } catch (error) {
      // The journal itself is untouched: everything taken goes back, first in line, for the normal write.
      this.pending = [...taken, ...this.pending];
      this.compactAfterRecords = this.records + this.options.compactMinRecords;
      throw error;
    }
    // The compacted file is the journal now.
    syncDirectory(path.dirname(file));
    this.size = compacted.size;
    this.dirty = false;
    this.records = snapshot.length + carried.filter((p) => p.line !== "").length;
    for (const p of carried) p.owner!.resolve();
    this.failures.recovered(); // a whole new file was written: the disk takes writes
    // The handle on the temp file is a handle on the journal now.
    const old = this.handle;
    this.handle = compacted.handle;
    await old.close();
    this.ino = (await this.handle.stat()).ino;
    await this.writeSeal();
  }

  /**
   * Seal after the appends just written are applied by their callers (they
   * apply once the write resolves): a turn later, the message count includes them.
   */
  private sealSoon(): void {
    if (this.sealScheduled) return;
    this.sealScheduled = true;
    setImmediate(() => {
      this.sealScheduled = false;
      void this.writeSeal();
    });
  }

  /** `size` only ever counts durable bytes, so the seal never claims more than the disk has. */
  private writeSeal(): Promise<void> {
    return this.seal.write({ bytes: this.size, records: this.records, messages: this.options.messageCount?.() ?? 0 }, this.ino);
  }
}
