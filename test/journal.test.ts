import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/dev/journal.js";
import { MessageQueue, type QueueRecord } from "../src/dev/messageQueue.js";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "journal-"));
  file = path.join(dir, "state", "queue.journal");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const enqueueRecord = (id: string): QueueRecord => ({ k: "e", id, ty: "A", b: `{"type":"A","n":"${id}"}`, t: 1, v: 1 });

async function replay(): Promise<{ records: QueueRecord[]; journal: Journal; tornTail: boolean }> {
  const records: QueueRecord[] = [];
  const { journal, replay } = await Journal.open({ file }, (record) => records.push(record));
  return { records, journal, tornTail: replay.tornTail };
}

describe("Journal", () => {
  it("keeps appended records across a reopen, in order", async () => {
    const { journal } = await replay();
    await journal.append([enqueueRecord("a"), enqueueRecord("b")]);
    journal.write({ k: "d", ids: ["a"] });
    await journal.close();
    const again = await replay();
    assert.deepEqual(again.records.map((r) => r.k), ["e", "e", "d"]);
    await again.journal.close();
  });

  it("commits the appends of one turn with one write", async () => {
    const { journal } = await replay();
    const appends = Array.from({ length: 1000 }, (_, i) => journal.append([enqueueRecord(`m${i}`)]));
    await Promise.all(appends);
    await journal.close();
    const text = await readFile(file, "utf8");
    assert.equal(text.split("\n").filter(Boolean).length, 1000);
  });

  it("drops a torn last line and appends after the good ones", async () => {
    const first = await replay();
    await first.journal.append([enqueueRecord("a")]);
    await first.journal.close();
    await appendFile(file, '{"k":"e","id":"b","ty":"A","b":"{\\"ty');
    const second = await replay();
    assert.equal(second.tornTail, true);
    assert.deepEqual(second.records.map((r) => (r as { id: string }).id), ["a"]);
    await second.journal.append([enqueueRecord("c")]);
    await second.journal.close();
    const third = await replay();
    assert.equal(third.tornTail, false);
    assert.deepEqual(third.records.map((r) => (r as { id: string }).id), ["a", "c"]);
    await third.journal.close();
  });

  it("refuses a damaged line in the middle", async () => {
    const first = await replay();
    await first.journal.close();
    await writeFile(file, `${JSON.stringify(enqueueRecord("a"))}\nnot json\n${JSON.stringify(enqueueRecord("b"))}\n`);
    await assert.rejects(replay(), /line 2 is not a journal record/);
  });

  it("compacts to the live messages and replays to the same state", async () => {
    const options = { visibilityTimeoutMs: 1000, maxReceiveCount: 3 };
    let journal: Journal | undefined;
    const queue = new MessageQueue(options, (record) => journal!.write(record));
    const opened = await Journal.open({ file, compactMinRecords: 100, compactRatio: 4 }, (r) => queue.apply(r));
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
    const again = await Journal.open({ file }, (r) => rebuilt.apply(r));
    assert.deepEqual(rebuilt.snapshot(), expected);
    await again.journal.close();
  });
});
