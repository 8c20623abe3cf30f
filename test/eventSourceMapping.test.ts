/**
 * The event source mapping (src/dev/delivery/eventSourceMapping.ts) on the real queue state machine,
 * with a fake invoker and fake timers: batching window, batch size,
 * concurrency, receiving only what a warm process can run, partial batch
 * responses, and a late result for a message received again.
 */
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { InvokeOutcome, Invoker } from "../src/dev/pool/invoker.js";
import { EventSourceMapping, SCALE_UP_AFTER_MS, type MessageOutcome, type PollerOptions, type StaleOutcome } from "../src/dev/delivery/eventSourceMapping.js";
import { MessageQueue } from "../src/dev/queue/messageQueue.js";

type Request = Parameters<Invoker["invoke"]>[0];
type Records = Array<{ id: string; body: string; receiveCount: number }>;

/** Runs nothing: each invocation waits until the test answers it. */
class FakeInvoker extends EventEmitter implements Invoker {
  available = true;
  idle = 1;
  readonly prewarmed: number[] = [];
  readonly calls: Array<{ records: Records; answer: (outcome: InvokeOutcome) => void }> = [];

  get idleCount(): number {
    return this.idle;
  }
  prewarm(wanted: number): void {
    this.prewarmed.push(wanted);
  }
  invoke(message: Request): Promise<InvokeOutcome> {
    assert.ok(this.idle > 0, "invoked with no idle process");
    this.idle--;
    const records = message.event.kind === "sqs" ? (message.event.records as Records) : [];
    return new Promise((resolve) =>
      this.calls.push({
        records,
        answer: (outcome) => {
          this.idle++;
          resolve(outcome);
          this.emit("available");
        },
      }),
    );
  }
  becomeIdle(count = 1): void {
    this.idle += count;
    this.emit("available");
  }
}

const ok = (response: unknown = null): InvokeOutcome => ({ ok: true, response, errors: {}, durationMs: 5 });
/** Microtasks and I/O callbacks run; fake timers do not move. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

let queue: MessageQueue;
let invoker: FakeInvoker;
let poller: EventSourceMapping;
let seq = 0;

function setup(options: Partial<PollerOptions> = {}, queueOptions = { visibilityTimeoutMs: 30_000, maxReceiveCount: 3 }) {
  queue = new MessageQueue(queueOptions);
  invoker = new FakeInvoker();
  poller = new EventSourceMapping(
    queue,
    invoker,
    { batchSize: 10, batchingWindowMs: 0, concurrency: 2, maxBatchBytes: 6 * 1024 * 1024, origin: { deployment: "t", region: "us-east-1" }, memoryMb: 128, ...options },
    () => Date.now(),
  );
  poller.start();
}

function enqueue(count: number): string[] {
  const records = queue.prepareEnqueue(
    Array.from({ length: count }, (_, n) => ({ type: "T", body: JSON.stringify({ type: "T", payload: { n } }) })),
    Date.now(),
    0,
    () => `m${++seq}`,
  );
  for (const record of records) queue.apply(record);
  poller.wake();
  return records.map((r) => (r as { id: string }).id);
}

type Seen = { handled: MessageOutcome; failed: MessageOutcome & { error: string; dead: boolean }; stale: StaleOutcome };

function collect<K extends keyof Seen>(event: K): Array<Seen[K]> {
  const seen: Array<Seen[K]> = [];
  (poller as unknown as EventEmitter).on(event, (outcome: Seen[K]) => seen.push(outcome));
  return seen;
}

describe("Class: EventSourceMapping", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
  afterEach(() => {
    poller?.stop();
    mock.timers.reset();
  });

  it("waits up to the batching window for a full batch, then sends what it has", async () => {
    setup({ batchSize: 5, batchingWindowMs: 2_000 });
    enqueue(3);
    await settle();
    mock.timers.tick(1_999);
    await settle();
    assert.equal(invoker.calls.length, 0, "still inside the window");
    mock.timers.tick(1);
    await settle();
    assert.equal(invoker.calls.length, 1);
    assert.equal(invoker.calls[0]!.records.length, 3);
  });

  it("sends a full batch at once, without waiting for the window", async () => {
    setup({ batchSize: 5, batchingWindowMs: 60_000 });
    enqueue(5);
    await settle();
    assert.deepEqual(invoker.calls.map((c) => c.records.length), [5]);
  });

  it("runs at most `concurrency` batches, and starts the next when one ends", async () => {
    setup({ batchSize: 2, concurrency: 2 });
    invoker.idle = 3;
    enqueue(6);
    await settle();
    assert.equal(invoker.calls.length, 2);
    invoker.calls[0]!.answer(ok());
    await settle();
    assert.equal(invoker.calls.length, 3);
    assert.equal(queue.readyCount, 0);
  });

  it("receives only what a warm process can run now; asks for one more process only once work has waited SCALE_UP_AFTER_MS", async () => {
    setup({ batchSize: 2, concurrency: 3 });
    invoker.idle = 0;
    enqueue(5);
    await settle();
    assert.equal(invoker.calls.length, 0);
    assert.equal(queue.readyCount, 5, "nothing received: no visibility timeout is running");
    assert.deepEqual(invoker.prewarmed, [], "a busy process may free up at once");
    mock.timers.tick(SCALE_UP_AFTER_MS - 1);
    await settle();
    assert.deepEqual(invoker.prewarmed, []);
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(invoker.prewarmed, [1], "one more process, not one per waiting batch");
    invoker.becomeIdle();
    await settle();
    assert.equal(invoker.calls.length, 1);
    assert.equal(queue.readyCount, 3);
  });

  it("starts no process while the busy ones free up in time, however many messages arrive", async () => {
    setup({ batchSize: 2, concurrency: 3 });
    enqueue(2);
    await settle();
    assert.equal(invoker.calls.length, 1);
    for (let round = 0; round < 5; round++) {
      enqueue(2); // a batch arrives while the process is busy, and it frees up within the wait

      await settle();
      mock.timers.tick(SCALE_UP_AFTER_MS - 5);
      invoker.calls.at(-1)!.answer(ok({ batchItemFailures: [] }));
      await settle();
    }
    assert.deepEqual(invoker.prewarmed, []);
    assert.equal(invoker.calls.length, 6);
  });

  it("sends nothing while the user's code does not load", async () => {
    setup();
    invoker.available = false;
    enqueue(2);
    await settle();
    assert.equal(invoker.calls.length, 0);
    assert.equal(queue.readyCount, 2);
  });

  it("deletes what succeeded and returns only the messages named in batchItemFailures, with their errors", async () => {
    setup();
    const handled = collect("handled");
    const failed = collect("failed");
    const [a, b, c] = enqueue(3);
    await settle();
    invoker.calls[0]!.answer({ ok: true, response: { batchItemFailures: [{ itemIdentifier: b }] }, errors: { [b!]: "TypeError: nope" }, durationMs: 7 });
    await settle();
    assert.deepEqual(handled.map((o) => o.id), [a, c]);
    assert.deepEqual(failed.map((o) => [o.id, o.error, o.dead]), [[b, "TypeError: nope", false]]);
    assert.equal(queue.size, 1);
    assert.equal(queue.get(b!)!.lastError, "TypeError: nope");
  });

  it("fails the whole batch when the invocation fails", async () => {
    setup();
    const failed = collect("failed");
    enqueue(2);
    await settle();
    invoker.calls[0]!.answer({ ok: false, error: "Task timed out after 1.00 seconds", errors: {}, durationMs: 1000, timedOut: true });
    await settle();
    assert.deepEqual(failed.map((o) => o.error), ["Task timed out after 1.00 seconds", "Task timed out after 1.00 seconds"]);
  });

  it("reports a result that comes after the visibility timeout, once the message was received again, as stale, not handled", async () => {
    setup({ concurrency: 2 }, { visibilityTimeoutMs: 1_000, maxReceiveCount: 3 });
    invoker.idle = 2;
    const handled = collect("handled");
    const stale = collect("stale");
    const [id] = enqueue(1);
    await settle();
    mock.timers.tick(1_000);
    await settle();
    assert.equal(invoker.calls.length, 2, "visible again after 1 s, received again by the second process");
    invoker.calls[0]!.answer(ok());
    await settle();
    assert.equal(handled.length, 0);
    assert.deepEqual(stale.map((s) => [s.id, s.attempt, s.succeeded, s.now, s.currentAttempt]), [[id, 1, true, "received-again", 2]]);
    assert.equal(queue.size, 1, "the late success deleted nothing");
    invoker.calls[1]!.answer(ok());
    await settle();
    assert.deepEqual(handled.map((o) => [o.id, o.attempt]), [[id, 2]]);
    assert.equal(queue.size, 0);
  });
});
