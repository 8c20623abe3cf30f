import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MessageQueue } from "../src/dev/queue/messageQueue.js";
import type { QueueOptions, QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";

let counter = 0;
const newId = () => `m${++counter}`;

function makeQueue(options: QueueOptions = { visibilityTimeoutMs: 1000, maxReceiveCount: 3 }) {
  const records: QueueRecord[] = [];
  const queue = new MessageQueue(options, (record) => records.push(record));
  const enqueue = (types: string[], now: number, delayMs = 0) => {
    const recs = queue.prepareEnqueue(types.map((type) => ({ type, body: JSON.stringify({ type }) })), now, delayMs, newId);
    for (const record of recs) {
      queue.apply(record);
      records.push(record);
    }
    return recs.map((r) => (r as { id: string }).id);
  };
  return { queue, records, enqueue };
}

describe("MessageQueue: retention", () => {
  it("drops messages older than the retention, and dead ones older than the DLQ's, counting from the first send", () => {
    const { queue, enqueue, records } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 1, retentionMs: 1_000, deadRetentionMs: 5_000 });
    const [dead] = enqueue(["Dead"], 0);
    queue.fail(queue.receive(0, 1).batch.map((d) => ({ ...d, error: "x" })), 0);
    const [inFlight] = enqueue(["InFlight"], 100);
    queue.receive(100, 1);
    const [young] = enqueue(["Young"], 900);
    assert.deepEqual(queue.expire(999).map((m) => m.id), [], "nothing is old enough yet");
    assert.deepEqual(queue.expire(1_100).map((m) => m.id), [inFlight], "in flight or not, past the retention it goes");
    assert.deepEqual(records.at(-1), { k: "o", ids: [inFlight] });
    assert.deepEqual(queue.expire(1_900).map((m) => m.id), [young]);
    assert.ok(queue.get(dead!), "the DLQ keeps it longer");
    assert.deepEqual(queue.expire(5_000).map((m) => m.id), [dead]);
    assert.equal(queue.size, 0);
    assert.equal(queue.stats(5_000).expired, 3);
  });

  it("never delivers a message past the retention, whenever the periodic expiry last ran: the receive drops it, as SQS's does", () => {
    const { queue, enqueue, records } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 3, retentionMs: 1_000 });
    const [old, fresh] = [...enqueue(["Old"], 0), ...enqueue(["Fresh"], 500)];
    const { batch, expired } = queue.receive(1_000, 10);
    assert.deepEqual(batch.map((d) => d.id), [fresh]);
    assert.deepEqual(expired.map((m) => m.id), [old]);
    assert.deepEqual(records.at(-1), { k: "o", ids: [old] }, "journalled, so a restart does not bring it back");
    assert.equal(queue.get(old!), undefined);
    assert.equal(queue.stats(1_000).expired, 1);
  });

  it("replays an expiry from the journal", () => {
    const { queue, enqueue, records } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 3, retentionMs: 10 });
    enqueue(["A", "B"], 0);
    queue.expire(10);
    const rebuilt = new MessageQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 3 });
    for (const record of records) rebuilt.apply(record);
    assert.equal(rebuilt.size, 0);
  });
});

describe("MessageQueue", () => {
  it("delivers a message once and deletes it on success", () => {
    const { queue, enqueue } = makeQueue();
    const [id] = enqueue(["A"], 0);
    const { batch } = queue.receive(10, 10);
    assert.equal(batch.length, 1);
    assert.equal(batch[0]!.id, id);
    assert.equal(batch[0]!.receiveCount, 1);
    assert.equal(batch[0]!.firstReceivedAt, 10);
    assert.equal(queue.receive(11, 10).batch.length, 0);
    queue.ack(batch);
    assert.equal(queue.size, 0);
    assert.equal(queue.stats(20).processed, 1);
  });

  it("gathers at most the batch size, in arrival order", () => {
    const { queue, enqueue } = makeQueue();
    const ids = enqueue(["A", "B", "C", "D"], 0);
    assert.deepEqual(queue.receive(1, 3).batch.map((d) => d.id), ids.slice(0, 3));
    assert.deepEqual(queue.receive(1, 3).batch.map((d) => d.id), ids.slice(3));
  });

  it("keeps a delayed message invisible until its delay ends", () => {
    const { queue, enqueue } = makeQueue();
    enqueue(["A"], 0, 5000);
    assert.equal(queue.stats(0).delayed, 1);
    assert.equal(queue.receive(4999, 10).batch.length, 0);
    assert.equal(queue.nextWakeAt(), 5000);
    assert.equal(queue.receive(5000, 10).batch.length, 1);
  });

  it("redelivers an unacknowledged message after the visibility timeout with a higher receive count", () => {
    const { queue, enqueue } = makeQueue();
    enqueue(["A"], 0);
    queue.receive(1, 10);
    assert.equal(queue.stats(500).inFlight, 1);
    assert.equal(queue.receive(1000, 10).batch.length, 0);
    const again = queue.receive(1001, 10).batch;
    assert.equal(again[0]!.receiveCount, 2);
    assert.equal(again[0]!.firstReceivedAt, 1);
    assert.equal(queue.stats(1001).redelivered, 1);
  });

  it("moves a message to the DLQ when its last allowed receive fails, with the error", () => {
    const { queue, enqueue } = makeQueue();
    const [id] = enqueue(["A"], 0);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { batch } = queue.receive(attempt * 1000, 10);
      assert.equal(batch[0]!.receiveCount, attempt);
      const { dead, stale } = queue.fail([{ ...batch[0]!, error: `boom ${attempt}` }], attempt * 1000);
      assert.equal(dead.length, attempt === 3 ? 1 : 0);
      assert.deepEqual(stale, []);
    }
    const stats = queue.stats(10_000);
    assert.equal(stats.dead, 1);
    assert.equal(stats.failed, 3);
    assert.equal(stats.deadLettered, 1);
    const [deadMsg] = queue.listDead();
    assert.equal(deadMsg!.id, id);
    assert.equal(deadMsg!.lastError, "boom 3");
    assert.equal(deadMsg!.receiveCount, 3);
    assert.equal(queue.receive(20_000, 10).batch.length, 0);
  });

  it("moves a message to the DLQ on receive when its last attempt never reported", () => {
    const { queue, enqueue } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 1 });
    enqueue(["A"], 0);
    queue.receive(0, 10);
    const { batch, dead } = queue.receive(100, 10);
    assert.equal(batch.length, 0);
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.lastError!, /received 1 times/);
  });

  it("redrives a dead message as a new one (new id, sent at the redrive, never received), as SQS does, and purges", () => {
    const { queue, enqueue } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 1 });
    const [a, b] = enqueue(["A", "B"], 0);
    for (const d of queue.receive(0, 10).batch) queue.fail([{ ...d, error: "x" }], 0);
    assert.equal(queue.stats(0).dead, 2);
    assert.equal(queue.redrive(5, () => "new-a", ["nope"]), 0);
    assert.equal(queue.redrive(5, () => "new-a", [a!, a!]), 1);
    assert.equal(queue.get(a!), undefined, "the dead message is gone");
    assert.equal(queue.get("new-a")?.redrivenFrom, a, "the new one remembers where it came from");
    const { batch } = queue.receive(6, 10);
    assert.deepEqual(batch.map((d) => [d.id, d.receiveCount, d.sentAt, d.firstReceivedAt]), [["new-a", 1, 5, 6]]);
    assert.equal(queue.purge(), 1);
    assert.equal(queue.get(b!), undefined);
    assert.equal(queue.stats(5).dead, 0);
  });

  it("ignores a result for a receive that is no longer the latest, and says so", () => {
    const { queue, enqueue } = makeQueue();
    const [id] = enqueue(["A"], 0);
    const first = queue.receive(0, 10).batch;
    const second = queue.receive(1000, 10).batch;
    assert.deepEqual(queue.ack(first), { acked: [], stale: [{ id, receiveCount: 1, now: "received-again", currentReceiveCount: 2 }] });
    assert.equal(queue.size, 1);
    assert.deepEqual(queue.fail([{ ...first[0]!, error: "late" }], 1500).stale.map((s) => s.now), ["received-again"]);
    assert.equal(queue.get(id!)!.lastError, undefined, "a stale failure records nothing");
    assert.deepEqual(queue.ack(second).acked.map((r) => r.id), [id]);
    assert.equal(queue.size, 0);
    assert.deepEqual(queue.ack(second).stale.map((s) => s.now), ["deleted"]);
  });

  it("reports a late result for a message dead-lettered meanwhile as stale, not handled", () => {
    const { queue, enqueue } = makeQueue({ visibilityTimeoutMs: 100, maxReceiveCount: 1 });
    enqueue(["A"], 0);
    const { batch } = queue.receive(0, 10);
    assert.equal(queue.receive(100, 10).dead.length, 1, "visible again after 100 ms, and out of receives");
    const { acked, stale } = queue.ack(batch);
    assert.deepEqual([acked.length, stale.map((s) => s.now)], [0, ["dead"]]);
    assert.equal(queue.stats(200).processed, 0);
    assert.equal(queue.stats(200).dead, 1);
  });

  it("rebuilds the same state from its records, and from its snapshot", () => {
    const { queue, records, enqueue } = makeQueue();
    enqueue(["A", "B", "C", "D"], 0);
    enqueue(["E"], 0, 60_000);
    const { batch } = queue.receive(10, 2);
    queue.ack([batch[0]!]);
    queue.fail([{ ...batch[1]!, error: "nope" }], 10);
    const fromRecords = new MessageQueue(queue.options);
    for (const record of records) fromRecords.apply(record);
    assert.deepEqual(fromRecords.snapshot(), queue.snapshot());
    const fromSnapshot = new MessageQueue(queue.options);
    for (const record of queue.snapshot()) fromSnapshot.apply(record);
    assert.deepEqual(fromSnapshot.snapshot(), queue.snapshot());
    const stats = (q: MessageQueue) => {
      const { visible, inFlight, delayed, dead } = q.stats(20);
      return { visible, inFlight, delayed, dead };
    };
    assert.deepEqual(stats(fromSnapshot), stats(queue));
    assert.deepEqual(stats(queue), { visible: 2, inFlight: 1, delayed: 1, dead: 0 });
  });

  it("stays correct across many deliveries (timer clean-up)", () => {
    const { queue, enqueue } = makeQueue({ visibilityTimeoutMs: 360_000, maxReceiveCount: 3 });
    enqueue(Array.from({ length: 5000 }, () => "A"), 0);
    let handled = 0;
    for (let now = 1; queue.readyCount > 0; now++) {
      const { batch } = queue.receive(now, 10);
      queue.ack(batch);
      handled += batch.length;
    }
    assert.equal(handled, 5000);
    assert.equal(queue.size, 0);
    assert.equal(queue.nextWakeAt(), undefined);
  });
});

describe("MessageQueue: at least once, in any order (dev --at-least-once)", () => {
  it("receives in a shuffled order among the first few batches' worth, and delivers each message once", () => {
    let seed = 3;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const { queue, enqueue } = makeQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3, shuffle: random });
    const ids = enqueue(Array.from({ length: 25 }, (_, i) => `T${i}`), 0);
    const seen: string[] = [];
    for (let batch = queue.receive(1, 10).batch; batch.length > 0; batch = queue.receive(1, 10).batch) {
      seen.push(...batch.map((d) => d.id));
      queue.ack(batch);
    }
    assert.deepEqual([...seen].sort(), [...ids].sort(), "every message, once");
    assert.notDeepEqual(seen, ids, "not in the order they were sent");
  });

  it("delivers a handled message once more when asked, as if its delete had been lost, and replays that", () => {
    const { queue, enqueue, records } = makeQueue();
    const [id] = enqueue(["A"], 0);
    const first = queue.receive(1, 10).batch;
    assert.deepEqual(queue.deliverAgain(first, 5).map((r) => r.id), [id]);
    assert.deepEqual(records.at(-1), { k: "v", ids: [id], v: 5 });
    const again = queue.receive(5, 10).batch;
    assert.deepEqual(again.map((d) => [d.id, d.receiveCount]), [[id, 2]]);
    assert.deepEqual(queue.deliverAgain(first, 6), [], "a stale receipt brings nothing back");
    const rebuilt = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3 });
    for (const record of records) rebuilt.apply(record);
    assert.equal(rebuilt.get(id!)?.receiveCount, 2);
  });
});

describe("MessageQueue: message attributes", () => {
  it("keeps them through receive, the journal's records and a snapshot", () => {
    const records: QueueRecord[] = [];
    const queue = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3 }, (r) => records.push(r));
    const attributes = { tenant: { dataType: "String" as const, value: "acme" } };
    const [enqueued] = queue.prepareEnqueue([{ type: "A", body: "{}", attributes }], 0, 0, () => "m1");
    queue.apply(enqueued!);
    assert.deepEqual(queue.receive(1, 10).batch[0]!.attributes, attributes);
    const fromRecords = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3 });
    for (const record of [enqueued!, ...records]) fromRecords.apply(record);
    assert.deepEqual(fromRecords.get("m1")?.attributes, attributes);
    const fromSnapshot = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3 });
    for (const record of queue.snapshot()) fromSnapshot.apply(record);
    assert.deepEqual(fromSnapshot.get("m1")?.attributes, attributes);
    assert.equal(isQueueRecord(enqueued), true);
    assert.equal(isQueueRecord({ ...enqueued, a: { tenant: { dataType: "Binary", value: "x" } } }), false, "a shape the journal never writes is not loaded");
  });
});
