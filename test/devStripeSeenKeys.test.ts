/** Pure parts of POST /stripe: the seen-keys window and the message it enqueues. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeenKeys } from "../src/dev/queue/seenKeys.js";
import { stripeMessage } from "../src/queue/stripeWebhook.js";

const DAY = 86_400_000;

describe("Class: SeenKeys", () => {
  it("remembers a key for the window, then forgets it", () => {
    const seen = new SeenKeys({ maxAgeMs: 7 * DAY, maxKeys: 100 });
    seen.add("stripe:evt_1", 0);
    assert.equal(seen.has("stripe:evt_1", 7 * DAY), true);
    assert.equal(seen.has("stripe:evt_1", 7 * DAY + 1), false);
    assert.equal(seen.has("stripe:evt_2", 0), false);
  });

  it("keeps at most maxKeys, dropping the oldest", () => {
    const seen = new SeenKeys({ maxAgeMs: DAY, maxKeys: 3 });
    for (let i = 1; i <= 5; i++) seen.add(`k${i}`, i);
    assert.equal(seen.size, 3);
    assert.deepEqual(seen.snapshot().map((r) => r.key), ["k3", "k4", "k5"]);
  });

  it("drops keys older than the window as newer ones arrive", () => {
    const seen = new SeenKeys({ maxAgeMs: DAY, maxKeys: 100 });
    seen.add("old", 0);
    seen.add("new", DAY + 1);
    assert.deepEqual(seen.snapshot().map((r) => r.key), ["new"]);
  });

  it("rebuilds the same state from its records (journal replay and compaction)", () => {
    const live = new SeenKeys({ maxAgeMs: DAY, maxKeys: 2 });
    const records = [live.add("a", 1), live.add("b", 2), live.add("c", 3)];
    const replayed = new SeenKeys({ maxAgeMs: DAY, maxKeys: 2 });
    for (const record of records) replayed.apply(record);
    assert.deepEqual(replayed.snapshot(), live.snapshot());
    const compacted = new SeenKeys({ maxAgeMs: DAY, maxKeys: 2 });
    for (const record of live.snapshot()) compacted.apply(record);
    assert.deepEqual(compacted.snapshot(), live.snapshot());
  });

  it("forgets a key whose write failed", () => {
    const seen = new SeenKeys();
    seen.add("k", 0);
    seen.forget("k");
    assert.equal(seen.has("k", 0), false);
  });
});

describe("Function: stripeMessage", () => {
  it("wraps the event in a letsgo:stripe message with the mode it came from", () => {
    const test = stripeMessage({ id: "evt_1", type: "invoice.paid", livemode: false, data: { object: {} } });
    assert.deepEqual(test, { type: "letsgo:stripe", payload: { id: "evt_1", type: "invoice.paid", livemode: false, data: { object: {} }, stripeMode: "test" } });
    const live = stripeMessage({ id: "evt_2", type: "invoice.paid", livemode: true, data: { object: {} } });
    assert.equal(live.payload.stripeMode, "live");
  });
});
