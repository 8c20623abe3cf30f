/**
 * The journal on a real full disk: a 1 MB tmpfs (root only; see support/tmpfs.ts).
 * No fault injection: ENOSPC comes from the kernel, partial writes included.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/dev/journal/journal.js";
import type { JournalState } from "../src/dev/journal/journalTypes.js";
import { JournalWriteError } from "../src/dev/journal/diskErrors.js";
import { parseJournal } from "../src/dev/journal/journalFormat.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";
import { mountTmpfs, type Tmpfs } from "./support/tmpfs.js";

let root: string;
let disk: Tmpfs | { skip: string };
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "journal-disk-"));
  disk = await mountTmpfs(path.join(root, "disk"), "1m");
});
after(async () => {
  if ("dir" in disk) await disk.unmount();
  await rm(root, { recursive: true, force: true });
});

const enqueue = (id: string): QueueRecord => ({ k: "e", id, ty: "Big", b: JSON.stringify({ type: "Big", payload: "x".repeat(8000) }), t: 1, v: 1 });
const idOf = (record: QueueRecord) => (record as { id?: string }).id ?? (record as { ids: string[] }).ids.join("+");

describe("Journal on a full disk", () => {
  it("refuses appends with ENOSPC, keeps the file whole, and resumes by itself when space is freed", async (t) => {
    if (!("dir" in disk)) return t.skip(disk.skip);
    // Prepare: a disk with about 100 KB free.
    const file = path.join(disk.dir, "queue.journal");
    const ballast = path.join(disk.dir, "ballast");
    await disk.fill(ballast, 100 * 1024);
    const states: JournalState[] = [];
    let onState = (_state: JournalState) => {};
    const { journal } = await Journal.open(
      { file, isRecord: isQueueRecord, retryDelayMs: { first: 20, max: 200 }, onStateChange: (state) => (states.push(state), onState(state)) },
      () => {},
    );
    const accepted: string[] = [];

    // Act: append 8 KB records until the disk refuses one.
    let refusal: unknown;
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      await journal.append([enqueue(`m${i}`)]).then(
        () => accepted.push(`m${i}`),
        (error: unknown) => (refusal = error),
      );
    }

    // Assess: refused as a 503 with the reason; on disk exactly what was accepted, nothing partial.
    assert.ok(refusal instanceof JournalWriteError, `refused (${accepted.length} accepted)`);
    assert.equal(refusal.code, "ENOSPC");
    assert.equal(refusal.httpStatus, 503);
    assert.match(refusal.message, /full disk/);
    assert.ok(accepted.length >= 5, `${accepted.length} accepted before the disk filled`);
    const onDisk: string[] = [];
    const full = parseJournal(await readFile(file), isQueueRecord, (record) => onDisk.push(idOf(record)));
    assert.deepEqual(onDisk, accepted);
    assert.deepEqual([full.bad, full.tornTail], [[], null]);
    assert.equal(journal.state.ok, false);

    // Changes already applied in memory wait while the disk is full...
    journal.write({ k: "r", ids: [accepted[0]!], t: 2, v: 3 });
    journal.write({ k: "d", ids: [accepted[0]!] });
    assert.equal(journal.state.unwritten, 2);

    // ...and are written, by the retry timer alone, once space is freed.
    const resumed = new Promise<void>((resolve) => (onState = (state) => state.ok && resolve()));
    await rm(ballast);
    await resumed;
    await journal.flush();
    assert.equal(journal.state.unwritten, 0);
    await journal.append([enqueue("after")]);
    await journal.close();

    const reopened: string[] = [];
    const again = await Journal.open({ file, isRecord: isQueueRecord }, (record) => reopened.push(`${record.k}:${idOf(record)}`));
    await again.journal.close();
    assert.deepEqual(reopened, [...accepted.map((id) => `e:${id}`), `r:${accepted[0]}`, `d:${accepted[0]}`, "e:after"]);
    assert.deepEqual([again.replay.quarantined, again.replay.tornTail], [[], false]);
    assert.deepEqual(states.map((s) => s.ok), [false, true]);
  });
});
