/**
 * The journal (src/dev/journal.ts) on real files: group commit, the record
 * format on disk, compaction, and the write path when writes fail. Faults a
 * real file system cannot produce on demand (a short write, EIO) come through
 * the journal's io hook; a real full disk is in journalDisk.test.ts.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/dev/journal/journal.js";
import type { JournalIo } from "../src/dev/journal/journalIo.js";
import type { JournalOptions, JournalState } from "../src/dev/journal/journalTypes.js";
import { JournalWriteError } from "../src/dev/journal/diskErrors.js";
import { parseJournal } from "../src/dev/journal/journalFormat.js";
import { MessageQueue } from "../src/dev/queue/messageQueue.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "journal-"));
  file = path.join(dir, "state", "queue.journal");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const enqueueRecord = (id: string, body = `{"type":"A","n":"${id}"}`): QueueRecord => ({ k: "e", id, ty: "A", b: body, t: 1, v: 1 });
const idOf = (record: QueueRecord) => (record as { id?: string }).id ?? (record as { ids: string[] }).ids.join("+");

async function open(options: Partial<JournalOptions<QueueRecord>> = {}) {
  const records: QueueRecord[] = [];
  const { journal, replay } = await Journal.open({ file, isRecord: isQueueRecord, ...options }, (record) => records.push(record));
  return { records, journal, replay };
}

/** What is on disk now, read the way replay reads it. */
async function onDisk(): Promise<{ ids: string[]; bad: number; torn: boolean }> {
  const ids: string[] = [];
  const parsed = parseJournal(await readFile(file), isQueueRecord, (record) => ids.push(idOf(record)));
  return { ids, bad: parsed.bad.length, torn: parsed.tornTail !== null };
}

/** Real file writes, counted, with faults queued by the test: each fault is used once, in order. */
function faultyIo() {
  type Fault = { write?: "short" | "short-then-error" | NodeJS.ErrnoException; datasync?: NodeJS.ErrnoException };
  const faults: Fault[] = [];
  const calls = { write: 0, datasync: 0 };
  let failNextWrite: NodeJS.ErrnoException | undefined;
  const io: JournalIo = {
    async write(handle, buffer, offset, length, position) {
      calls.write++;
      if (failNextWrite) {
        const error = failNextWrite;
        failNextWrite = undefined;
        throw error;
      }
      const fault = faults[0]?.write;
      if (fault !== undefined) faults[0]!.write = undefined;
      if (fault === "short" || fault === "short-then-error") {
        // A real partial write: half the bytes reach the file, and the call says so.
        const half = Math.max(1, Math.floor(length / 2));
        const { bytesWritten } = await handle.write(buffer, offset, half, position);
        if (fault === "short-then-error") failNextWrite = errno("EIO");
        return bytesWritten;
      }
      if (fault) {
        faults.shift(); // this attempt ends here
        throw fault;
      }
      return (await handle.write(buffer, offset, length, position)).bytesWritten;
    },
    async datasync(handle) {
      calls.datasync++;
      const fault = faults[0]?.datasync;
      faults.shift();
      if (fault) throw fault;
      await handle.datasync();
    },
  };
  return { io, calls, fail: (fault: Fault) => faults.push(fault) };
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Resolves with the first state change matching `match`. */
function stateChanges() {
  const seen: JournalState[] = [];
  const waiters: Array<{ match: (s: JournalState) => boolean; resolve: (s: JournalState) => void }> = [];
  return {
    seen,
    onStateChange(state: JournalState) {
      seen.push(state);
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(state)) waiter.resolve(state);
        else waiters.push(waiter);
      }
    },
    next: (match: (s: JournalState) => boolean) => new Promise<JournalState>((resolve) => waiters.push({ match, resolve })),
  };
}

describe("Journal", () => {
  it("keeps appended records across a reopen, in order, one framed line each", async () => {
    const { journal } = await open();
    await journal.append([enqueueRecord("a"), enqueueRecord("b")]);
    journal.write({ k: "d", ids: ["a"] });
    await journal.close();
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /^\d+ [0-9a-f]{8} \{"k":/);
    const again = await open();
    assert.deepEqual(again.records.map((r) => r.k), ["e", "e", "d"]);
    assert.equal(again.replay.rewritten, false);
    await again.journal.close();
  });

  it("commits the appends of one turn with one write and one fsync", async () => {
    const { io, calls } = faultyIo();
    const { journal } = await open({ io });
    const appends = Array.from({ length: 1000 }, (_, i) => journal.append([enqueueRecord(`m${i}`)]));
    await Promise.all(appends);
    assert.deepEqual(calls, { write: 1, datasync: 1 });
    await journal.close();
    assert.equal((await onDisk()).ids.length, 1000);
  });

  it("cuts a torn last record, says how many bytes, and appends after the good ones", async () => {
    const first = await open();
    await first.journal.append([enqueueRecord("a")]);
    await first.journal.close();
    const torn = '57 1234abcd {"k":"e","id":"b","ty":"A","b":"{\\"ty';
    await appendFile(file, torn);
    const second = await open();
    assert.equal(second.replay.tornTail, true);
    assert.equal(second.replay.tornTailBytes, Buffer.byteLength(torn));
    assert.deepEqual(second.records.map(idOf), ["a"]);
    await second.journal.append([enqueueRecord("c")]);
    await second.journal.close();
    const third = await open();
    assert.equal(third.replay.tornTail, false);
    assert.deepEqual(third.records.map(idOf), ["a", "c"]);
    await third.journal.close();
  });

  it("compacts to the live messages and replays to the same state", async () => {
    const options = { visibilityTimeoutMs: 1000, maxReceiveCount: 3 };
    let journal: Journal<QueueRecord> | undefined;
    const queue = new MessageQueue(options, (record) => journal!.write(record));
    const opened = await Journal.open({ file, isRecord: isQueueRecord, compactMinRecords: 100, compactRatio: 4 }, (r) => queue.apply(r));
    journal = opened.journal;
    journal.setSnapshotSource(() => queue.snapshot(), () => queue.size);
    let n = 0;
    for (let round = 0; round < 30; round++) {
      const records = queue.prepareEnqueue([{ type: "A", body: "{}" }, { type: "A", body: "{}" }], round, 0, () => `m${n++}`);
      await journal.append(records);
      for (const r of records) queue.apply(r);
      const { batch } = queue.receive(round, 1);
      queue.ack(batch);
    }
    await journal.flush();
    // Records written: 60 enqueues + 30 receives + 30 deletes; live: 30.
    assert.ok(journal.recordCount < 120, `compacted (${journal.recordCount} records)`);
    const expected = queue.snapshot();
    await journal.close();
    const rebuilt = new MessageQueue(options);
    const again = await Journal.open({ file, isRecord: isQueueRecord }, (r) => rebuilt.apply(r));
    assert.deepEqual(rebuilt.snapshot(), expected);
    assert.deepEqual(again.replay.quarantined, []);
    await again.journal.close();
  });

  it("carries appends that are not applied yet (a redrive) through a compaction", async () => {
    const queue = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 1 });
    const { journal } = await open();
    journal.setSnapshotSource(() => queue.snapshot(), () => queue.size);
    const [enqueued] = queue.prepareEnqueue([{ type: "A", body: "{}" }], 0, 0, () => "dead1");
    await journal.append([enqueued!]);
    queue.apply(enqueued!);
    queue.fail(queue.receive(1, 1).batch.map((d) => ({ ...d, error: "boom" })), 2);
    const redrive = queue.prepareRedrive(3, () => "redriven1")!;
    const durable = journal.append([redrive]); // pending while the compaction takes its snapshot
    await journal.compact();
    await durable;
    queue.apply(redrive);
    await journal.close();
    const rebuilt = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 1 });
    const again = await Journal.open({ file, isRecord: isQueueRecord }, (r) => rebuilt.apply(r));
    assert.equal(rebuilt.get("dead1"), undefined);
    assert.equal(rebuilt.get("redriven1")?.state, "ready");
    assert.equal(rebuilt.get("redriven1")?.redrivenFrom, "dead1");
    await again.journal.close();
  });
});

describe("Journal: when a write fails", () => {
  it("finishes a short write with more writes: every byte lands, nothing is fused", async () => {
    const { io, calls, fail } = faultyIo();
    const { journal } = await open({ io });
    fail({ write: "short" });
    await journal.append([enqueueRecord("a", "x".repeat(8000)), enqueueRecord("b")]);
    assert.equal(calls.write, 2, "the rest was written by a second call");
    await journal.append([enqueueRecord("c")]);
    await journal.close();
    assert.deepEqual(await onDisk(), { ids: ["a", "b", "c"], bad: 0, torn: false });
  });

  it("cuts a short write that then fails back to the last good record, refuses its append and writes on after it", async () => {
    const { io, fail } = faultyIo();
    const changes = stateChanges();
    const { journal } = await open({ io, onStateChange: changes.onStateChange });
    await journal.append([enqueueRecord("a")]);
    const goodSize = (await stat(file)).size;
    fail({ write: "short-then-error" });
    const refused = journal.append([enqueueRecord("lost", "x".repeat(8000))]);
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof JournalWriteError);
      assert.equal(error.httpStatus, 503);
      assert.equal(error.code, "EIO");
      assert.ok(error.retryAfterSeconds >= 1);
      assert.match(error.message, /I\/O error.*Nothing of this request was kept/);
      return true;
    });
    assert.equal((await stat(file)).size, goodSize, "the partial record was cut off");
    assert.equal(journal.state.ok, false);
    await journal.append([enqueueRecord("b")]);
    assert.equal(journal.state.ok, true);
    await journal.close();
    assert.deepEqual(await onDisk(), { ids: ["a", "b"], bad: 0, torn: false });
    assert.deepEqual(changes.seen.map((s) => s.ok), [false, true]);
  });

  it("treats a failed fsync like a failed write: cut back, refused, and written records kept for the retry", async () => {
    const { io, fail } = faultyIo();
    const changes = stateChanges();
    const { journal } = await open({ io, onStateChange: changes.onStateChange, retryDelayMs: { first: 5, max: 20 } });
    await journal.append([enqueueRecord("a")]);
    fail({ datasync: errno("EIO") });
    journal.write({ k: "r", ids: ["a"], t: 2, v: 3 });
    const refused = journal.append([enqueueRecord("refused")]);
    await assert.rejects(refused, JournalWriteError);
    assert.deepEqual(await onDisk(), { ids: ["a"], bad: 0, torn: false });
    assert.equal(journal.state.unwritten, 1, "the receive waits in memory");
    // No request needed: the retry timer writes it.
    await changes.next((s) => s.ok);
    await journal.flush();
    await journal.close();
    assert.deepEqual(await onDisk(), { ids: ["a", "a"], bad: 0, torn: false });
  });

  it("keeps written records in order across repeated failures and writes them once the disk takes them", async () => {
    const { io, fail } = faultyIo();
    const changes = stateChanges();
    const { journal } = await open({ io, onStateChange: changes.onStateChange, retryDelayMs: { first: 2, max: 10 } });
    for (let i = 0; i < 4; i++) fail({ write: errno("ENOSPC") });
    journal.write({ k: "d", ids: ["1"] });
    const degraded = await changes.next((s) => !s.ok);
    assert.deepEqual(degraded.ok ? null : { code: degraded.code, reason: degraded.reason.includes("full disk") }, { code: "ENOSPC", reason: true });
    journal.write({ k: "d", ids: ["2"] });
    journal.write({ k: "d", ids: ["3"] });
    await changes.next((s) => s.ok);
    await journal.flush();
    assert.equal(journal.state.unwritten, 0);
    await journal.close();
    assert.deepEqual(await onDisk(), { ids: ["1", "2", "3"], bad: 0, torn: false });
  });

  it("finds out by itself that the disk is back when nothing is pending (a probe it cuts off again)", async () => {
    const { io, fail } = faultyIo();
    const changes = stateChanges();
    const { journal } = await open({ io, onStateChange: changes.onStateChange, retryDelayMs: { first: 2, max: 10 } });
    await journal.append([enqueueRecord("a")]);
    const size = (await stat(file)).size;
    fail({ write: errno("ENOSPC") });
    await assert.rejects(journal.append([enqueueRecord("b")]), JournalWriteError);
    await changes.next((s) => s.ok);
    assert.equal((await stat(file)).size, size, "the probe left nothing behind");
    await journal.close();
    assert.deepEqual(await onDisk(), { ids: ["a"], bad: 0, torn: false });
  });

  it("says on close how many changes it could not write", async () => {
    const { io, fail } = faultyIo();
    const { journal } = await open({ io, retryDelayMs: { first: 60_000, max: 60_000 } });
    for (let i = 0; i < 3; i++) fail({ write: errno("EROFS") });
    journal.write({ k: "d", ids: ["1"] });
    await assert.rejects(journal.sync(), JournalWriteError);
    await assert.rejects(journal.close(), /dev stopped with 1 queue change .*not written to its journal: .*read-only.*delivered again after a restart/);
    await assert.rejects(journal.append([enqueueRecord("late")]), /stopping/);
  });
});
