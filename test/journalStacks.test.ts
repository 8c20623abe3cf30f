/**
 * A failed message's last error stack in the dev queue: kept with the message
 * (`st` in the journal's f, x and s records), replaced by the next failure,
 * dropped on redrive, and read back after a restart; journals written before
 * the field existed still load.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MessageQueue } from "../src/dev/queue/messageQueue.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";
import { openQueueStore } from "../src/dev/queue/queueStore.js";

const STACK = "TypeError: nope\n    at total (/p/apps/worker/src/pricing.ts:9:25)";

/** A queue with one message `m` received once, and every record it wrote. */
function queueWithOneMessage(maxReceiveCount = 3) {
  const records: QueueRecord[] = [];
  const queue = new MessageQueue({ visibilityTimeoutMs: 1_000, maxReceiveCount }, (record) => records.push(record));
  queue.apply({ k: "e", id: "m", ty: "A", b: "{}", t: 0, v: 0 });
  return { queue, records };
}

describe("Class: MessageQueue (error stacks)", () => {
  it("keeps the stack of a failure, and replaces it with the next failure's (none when it has none)", () => {
    // Prepare
    const { queue, records } = queueWithOneMessage();

    // Act
    queue.receive(0, 1);
    queue.fail([{ id: "m", receiveCount: 1, error: "TypeError: nope", stack: STACK }], 0);
    const first = queue.get("m")?.lastErrorStack;
    queue.receive(2_000, 1);
    queue.fail([{ id: "m", receiveCount: 2, error: "Task timed out after 1.00 seconds" }], 2_000);

    // Assess
    assert.equal(first, STACK);
    assert.equal(queue.get("m")?.lastErrorStack, undefined);
    assert.deepEqual(records.filter((r) => r.k === "f"), [
      { k: "f", id: "m", err: "TypeError: nope", st: STACK },
      { k: "f", id: "m", err: "Task timed out after 1.00 seconds" },
    ]);
  });

  it("carries the stack into the DLQ (on the last attempt and on receive), the snapshot, and drops it on redrive", () => {
    // Prepare
    const { queue, records } = queueWithOneMessage(1);
    const other = new MessageQueue({ visibilityTimeoutMs: 1_000, maxReceiveCount: 1 });

    // Act
    queue.receive(0, 1);
    queue.fail([{ id: "m", receiveCount: 1, error: "TypeError: nope", stack: STACK }], 0);
    const snapshot = queue.snapshot();
    for (const record of snapshot) other.apply(record);

    // Assess
    assert.deepEqual(records.at(-1), { k: "x", id: "m", t: 0, err: "TypeError: nope", st: STACK });
    assert.equal(queue.listDead()[0]?.lastErrorStack, STACK);
    assert.equal(snapshot[0]?.st, STACK);
    assert.equal(other.listDead()[0]?.lastErrorStack, STACK);
    queue.redrive(1, () => "m2");
    assert.equal(queue.get("m2")?.lastErrorStack, undefined);
  });

  it("moves a message whose last attempt never reported to the DLQ with the stack it has", () => {
    // Prepare: failed twice with a stack, then received a third time and never answered.
    const { queue, records } = queueWithOneMessage(2);
    queue.receive(0, 1);
    queue.fail([{ id: "m", receiveCount: 1, error: "TypeError: nope", stack: STACK }], 0);
    queue.receive(2_000, 1);

    // Act
    const { dead } = queue.receive(4_000, 1);

    // Assess
    assert.equal(dead.length, 1);
    assert.deepEqual(records.at(-1), { k: "x", id: "m", t: 4_000, err: "TypeError: nope", st: STACK });
  });
});

describe("Function: isQueueRecord (st)", () => {
  const cases: Array<[string, unknown, boolean]> = [
    ["f without st (an older journal)", { k: "f", id: "m", err: "e" }, true],
    ["f with st", { k: "f", id: "m", err: "e", st: STACK }, true],
    ["f with a st that is not text", { k: "f", id: "m", err: "e", st: 5 }, false],
    ["x without st", { k: "x", id: "m", t: 1, err: "e" }, true],
    ["x with st", { k: "x", id: "m", t: 1, err: "e", st: STACK }, true],
    ["x with a st that is not text", { k: "x", id: "m", t: 1, err: "e", st: null }, false],
    ["s without st", { k: "s", id: "m", ty: "A", b: "{}", t: 1, c: 1, fr: 1, v: 1, dead: 1, dt: 1, err: "e" }, true],
    ["s with st", { k: "s", id: "m", ty: "A", b: "{}", t: 1, c: 1, fr: 1, v: 1, dead: 1, dt: 1, err: "e", st: STACK }, true],
    ["s with a st that is not text", { k: "s", id: "m", ty: "A", b: "{}", t: 1, c: 1, fr: 1, v: 1, st: ["x"] }, false],
  ];
  for (const [name, value, expected] of cases) {
    it(`${name} → ${expected ? "loads" : "refused"}`, () => assert.equal(isQueueRecord(value), expected));
  }
});

describe("Function: openQueueStore (error stacks across a restart)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "journal-stacks-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const open = () => openQueueStore({ stateDir: dir, visibilityTimeoutMs: 1_000, maxReceiveCount: 1, onEnqueued: () => {} });

  it("reads a dead message's stack back from the journal, and a dead-lettered run's", async () => {
    // Prepare
    const store = await open();
    const [id] = await store.enqueue([{ type: "A", body: "{}" }], 0);
    store.queue.receive(Date.now(), 1);
    store.queue.fail([{ id: id!, receiveCount: 1, error: "TypeError: nope", stack: STACK }], Date.now());
    const runId = await store.deadLetter({ type: "letsgo:scheduled-run", body: "{}" }, 3, "Error: tick", Date.now(), STACK);
    await store.close();

    // Act
    const reopened = await open();
    const dead = new Map(reopened.queue.listDead().map((m) => [m.id, m.lastErrorStack]));
    await reopened.close();

    // Assess
    assert.equal(dead.get(id!), STACK);
    assert.equal(dead.get(runId), STACK);
  });
});
