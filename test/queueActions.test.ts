/**
 * The queue's actions (src/dev/services/queueActions.ts) and the dashboard's
 * data (services/dashboardData.ts) on a fake store and mapping with a real
 * history file: their rules without a dev worker.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { queueActions, type QueueActionParts } from "../src/dev/services/queueActions.js";
import { dashboardData, SCHEDULE_RUNS_SHOWN, type DashboardParts } from "../src/dev/services/dashboardData.js";
import { MessageHistory } from "../src/dev/history/history.js";
import { HttpError } from "../src/dev/http/http.js";
import { bodyDigest } from "../src/dev/queue/queueStore.js";
import type { DevWorkerEvents } from "../src/dev/devWorkerTypes.js";
import type { NewMessage, QueueMessage } from "../src/dev/queue/queueRecords.js";

type Recorded = { [K in keyof DevWorkerEvents]: { event: K; args: DevWorkerEvents[K] } }[keyof DevWorkerEvents];

/** A store that keeps messages in a map, and a mapping that says what it was asked. */
async function parts(overrides: { running?: string[]; retryable?: string[]; dead?: string[]; digests?: Record<string, string> } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "lgw-actions-"));
  const history = new MessageHistory({ file: path.join(dir, "history.json") });
  await history.load();
  const messages = new Map<string, Partial<QueueMessage>>();
  let next = 0;
  const newId = () => `m${++next}`;
  const seen = new Set<string>();
  const enqueued: NewMessage[] = [];
  const emitted: Recorded[] = [];
  const wakes: number[] = [];
  const store: QueueActionParts["store"] = {
    async enqueue(batch) {
      enqueued.push(...batch);
      return batch.map((message) => {
        const id = newId();
        messages.set(id, { id, type: message.type, sentAt: 1_000 + next, receiveCount: 0 });
        return id;
      });
    },
    async enqueueOnce(message, key) {
      if (seen.has(key)) return { duplicate: true };
      seen.add(key);
      const [messageId] = await store.enqueue([message], 0);
      return { duplicate: false, messageId: messageId! };
    },
    async redrive(ids) {
      return (ids ?? overrides.dead ?? []).map((from) => {
        const messageId = newId();
        messages.set(messageId, { id: messageId, type: "OrderNew", sentAt: 5, receiveCount: 0 });
        return { from, messageId };
      });
    },
    async retryNow(id) {
      if (!(overrides.retryable ?? []).includes(id)) return false;
      messages.set(id, { id, type: "OrderNew", receiveCount: 2 });
      return true;
    },
    async purge() {
      return 7;
    },
    digestOf: (key) => overrides.digests?.[key],
  };
  const events = {
    emit(event: keyof DevWorkerEvents, ...args: unknown[]) {
      emitted.push({ event, args } as Recorded);
      return true;
    },
  } as QueueActionParts["events"];
  const actions = queueActions({
    store,
    queue: { get: (id) => messages.get(id) as QueueMessage | undefined },
    history,
    delivery: { wake: () => void wakes.push(1), isRunning: (id) => (overrides.running ?? []).includes(id) },
    events,
    maxMessageSize: () => 262_144,
    payloadSchemas: () => undefined,
  });
  return { actions, history, enqueued, emitted, wakes, done: () => history.close().then(() => rm(dir, { recursive: true, force: true })) };
}

const body = (type: string, payload: unknown) => JSON.stringify({ type, payload });
const refusal = (status: number, text: RegExp) => (error: unknown) => error instanceof HttpError && error.status === status && text.test(error.message);

describe("Function: queueActions", () => {
  it("files what it sends in the history, as sent, with the time the queue gave it", async () => {
    const t = await parts();
    try {
      const ids = await t.actions.send([{ type: "OrderNew", body: body("OrderNew", { n: 1 }) }, { type: "OrderNew", body: body("OrderNew", { n: 2 }) }], 0);
      assert.deepEqual(ids, ["m1", "m2"]);
      assert.equal(t.history.get("m2")?.source, "send");
      assert.equal(t.history.get("m2")?.sentAt, 1_002);
    } finally {
      await t.done();
    }
  });

  it("files a Stripe delivery once: a duplicate key enqueues and files nothing", async () => {
    const t = await parts();
    try {
      const message = { type: "letsgo:stripe", body: body("letsgo:stripe", { id: "evt_1" }) };
      const first = await t.actions.sendOnce(message, "stripe:evt_1");
      assert.equal(first.duplicate, false);
      assert.deepEqual(await t.actions.sendOnce(message, "stripe:evt_1"), { duplicate: true });
      assert.equal(t.enqueued.length, 1);
      assert.equal(t.history.list({ limit: 10 }).messages.length, 1);
      assert.equal(t.history.get("m1")?.source, "stripe");
    } finally {
      await t.done();
    }
  });

  it("wakes the mapping only when a redrive moved something, and reports each move", async () => {
    const t = await parts({ dead: ["d1", "d2"] });
    try {
      assert.deepEqual(await t.actions.redrive([]), []);
      assert.equal(t.wakes.length, 0);
      const moved = await t.actions.redrive();
      assert.deepEqual(moved.map((m) => m.from), ["d1", "d2"]);
      assert.equal(t.wakes.length, 1);
      assert.deepEqual(
        t.emitted.filter((e) => e.event === "message:redriven").map((e) => e.args[0]),
        moved.map((m) => ({ from: m.from, id: m.messageId, type: "OrderNew" })),
      );
    } finally {
      await t.done();
    }
  });

  it("retries now only a waiting message that is not running, and says which attempt comes", async () => {
    const t = await parts({ running: ["busy"], retryable: ["w1"] });
    try {
      assert.deepEqual(await t.actions.retryNow("busy"), { ok: false, running: true });
      assert.deepEqual(await t.actions.retryNow("gone"), { ok: false, running: false });
      assert.equal(t.wakes.length, 0);
      assert.deepEqual(await t.actions.retryNow("w1"), { ok: true });
      assert.deepEqual(t.emitted.at(-1), { event: "message:retried", args: [{ id: "w1", type: "OrderNew", attempt: 3 }] });
      assert.equal(t.wakes.length, 1);
    } finally {
      await t.done();
    }
  });

  it("replays from the history under the replay rules, filing the copy with its original", async () => {
    const stripeBody = body("letsgo:stripe", { id: "evt_9", type: "invoice.paid" });
    const t = await parts({ digests: { "stripe:evt_9": bodyDigest(stripeBody) } });
    try {
      await assert.rejects(t.actions.replay("nope"), refusal(404, /No message nope/));
      const [orderId] = await t.actions.send([{ type: "OrderNew", body: body("OrderNew", { n: 1 }) }], 0);
      const copy = await t.actions.replay(orderId!, { n: 2 });
      assert.equal(t.enqueued.at(-1)?.body, body("OrderNew", { n: 2 }));
      assert.equal(t.history.get(copy.messageId)?.source, "replay");
      const stripeSent = await t.actions.sendOnce({ type: "letsgo:stripe", body: stripeBody }, "stripe:evt_9");
      const before = t.enqueued.length;
      // An edited Stripe event would be a forged one: refused, nothing enqueued.
      await assert.rejects(t.actions.replay(stripeSent.duplicate ? "" : stripeSent.messageId, { id: "evt_9", type: "charge.refunded" }), refusal(400, /letsgo:stripe/));
      assert.equal(t.enqueued.length, before);
      const asVerified = await t.actions.replay(stripeSent.duplicate ? "" : stripeSent.messageId);
      assert.equal(t.enqueued.at(-1)?.body, stripeBody);
      assert.ok(asVerified.messageId);
    } finally {
      await t.done();
    }
  });
});

describe("Function: dashboardData", () => {
  const fakeParts = (overrides: Partial<DashboardParts>, events: EventEmitter<DevWorkerEvents>): DashboardParts =>
    ({
      queue: { stats: () => ({}), counters: { processed: 0, failed: 0 } },
      history: new MessageHistory(),
      schedule: (runs: DashboardParts["schedule"] extends (r: infer R) => unknown ? R : never) => ({ runs }),
      events,
      ...overrides,
    }) as unknown as DashboardParts;

  it("counts handler restarts and keeps the latest scheduled runs, newest first", () => {
    const events = new EventEmitter<DevWorkerEvents>();
    const data = dashboardData(fakeParts({}, events));
    events.emit("handler:exit", { reason: "crash", inFlight: 0 });
    events.emit("handler:exit", { reason: "crash", inFlight: 1 });
    assert.equal(data.restarts(), 2);
    for (let i = 0; i < SCHEDULE_RUNS_SHOWN + 5; i++) {
      events.emit("schedule:ran", { ok: true, attempt: 1, maxAttempts: 3, trigger: "schedule", executionId: `r${i}`, requestId: `req-${i}`, scheduledTime: "2026-12-07T00:00:00.000Z", durationMs: i, next: null });
    }
    const runs = data.schedule().runs;
    assert.equal(runs.length, SCHEDULE_RUNS_SHOWN);
    assert.equal(runs[0]!.executionId, `r${SCHEDULE_RUNS_SHOWN + 4}`);
  });

  it("shows what a scheduled run printed, lines that come after its outcome included", () => {
    const events = new EventEmitter<DevWorkerEvents>();
    // The history files every invocation's output (recordHistory feeds it the handler:output events).
    const history = new MessageHistory();
    const data = dashboardData(fakeParts({ history }, events));
    history.output("req-other", "another invocation", "stdout");
    history.output("req-run", "cleaning up 3 carts", "stdout");
    events.emit("schedule:ran", { ok: true, attempt: 1, maxAttempts: 3, trigger: "schedule", executionId: "x1", requestId: "req-run", scheduledTime: "2026-12-07T00:00:00.000Z", durationMs: 5, next: null });
    history.output("req-run", "done", "stderr");
    assert.deepEqual(data.schedule().runs[0]!.output, [{ line: "cleaning up 3 carts", stream: "stdout" }, { line: "done", stream: "stderr" }]);
  });

  it("signs a Stripe test event with the secret in effect now, as Stripe's own library verifies it", async () => {
    let secret = "whsec_first";
    const delivered: Array<{ payload: string; signature: string }> = [];
    const data = dashboardData(
      fakeParts(
        {
          stripeSecret: () => secret,
          deliverStripe: async (payload, signature) => {
            delivered.push({ payload, signature });
            return { status: 200, body: {} };
          },
        },
        new EventEmitter<DevWorkerEvents>(),
      ),
    );
    await data.triggerStripe("invoice.paid");
    secret = "whsec_changed";
    await data.triggerStripe("checkout.session.completed");
    const stripe = new Stripe("sk_test_unused");
    const first = stripe.webhooks.constructEvent(delivered[0]!.payload, delivered[0]!.signature, "whsec_first");
    assert.equal(first.type, "invoice.paid");
    assert.equal(stripe.webhooks.constructEvent(delivered[1]!.payload, delivered[1]!.signature, "whsec_changed").type, "checkout.session.completed");
    assert.throws(() => stripe.webhooks.constructEvent(delivered[1]!.payload, delivered[1]!.signature, "whsec_first"));
  });
});
