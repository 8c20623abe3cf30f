/**
 * The dev worker's queue: an SQS standard queue with a dead-letter queue, as a pure
 * state machine. No I/O and no clock of its own: callers pass `now`, and every
 * change is a record handed to a sink (the journal). Replaying the same records
 * with `apply` rebuilds the same state, so what is on disk and what is in memory
 * cannot drift apart.
 */
import type { QueueRecord, SnapshotRecord, MessageState, QueueMessage, Delivery, Receipt, StaleReceipt, QueueOptions, QueueStats, NewMessage } from "./queueRecords.js";
import { MinHeap } from "./heap.js";
import { SHUFFLE_SPAN, deliveriesOf, enqueuedMessage, redrivenMessage, setLastError, shuffleInPlace, snapshotMessage, snapshotOf } from "./queueMessages.js";
import { ReadyList } from "./readyList.js";

type Timer = { at: number; msg: QueueMessage };

export class MessageQueue {
  private readonly messages = new Map<string, QueueMessage>();
  /** Visible messages in the order they became visible. */
  private readonly ready = new ReadyList<QueueMessage>();
  private readonly dead = new Map<string, QueueMessage>();
  /** Delayed and in-flight messages by the time they become visible; stale entries are skipped. */
  private timers = new MinHeap<Timer>();
  private readonly counts: Record<MessageState, number> = { ready: 0, delayed: 0, inflight: 0, dead: 0 };
  /** This session's outcomes (not replayed: they describe what this process did). */
  readonly counters = { processed: 0, failed: 0, redelivered: 0, deadLettered: 0, expired: 0 };

  constructor(
    readonly options: QueueOptions,
    private readonly sink: (record: QueueRecord) => void = () => {},
  ) {}

  get size(): number {
    return this.messages.size;
  }

  get readyCount(): number {
    return this.ready.size;
  }

  get(id: string): QueueMessage | undefined {
    return this.messages.get(id);
  }

  /** Every message held, waiting, in flight or dead. */
  all(): IterableIterator<QueueMessage> {
    return this.messages.values();
  }

  /** Enqueue records for new messages; the caller makes them durable, then `apply`s them. */
  prepareEnqueue(inputs: NewMessage[], now: number, delayMs: number, newId: () => string): QueueRecord[] {
    return inputs.map((input) => ({ k: "e", id: newId(), ty: input.type, b: input.body, t: now, v: now + delayMs, ...(input.attributes ? { a: input.attributes } : {}) }));
  }

  /** The record for a message that goes straight to the dead-letter queue (a scheduled run that failed every attempt). */
  prepareDeadLetter(input: NewMessage, firstAttemptAt: number, now: number, attempts: number, error: string, newId: () => string, stack?: string): SnapshotRecord {
    const record: SnapshotRecord = { k: "s", id: newId(), ty: input.type, b: input.body, t: firstAttemptAt, c: attempts, fr: firstAttemptAt, v: now, dead: 1, dt: now, err: error };
    if (stack !== undefined) record.st = stack;
    return record;
  }

  /** Make delayed and in-flight messages whose time has come visible again. */
  tick(now: number): void {
    for (let top = this.timers.peek(); top && top.at <= now; top = this.timers.peek()) {
      this.timers.pop();
      const msg = top.msg;
      if (!this.isCurrentTimer(top)) continue;
      this.setState(msg, "ready");
      this.ready.push(msg);
    }
  }

  /** When the next delayed or in-flight message becomes visible, if any. */
  nextWakeAt(): number | undefined {
    for (let top = this.timers.peek(); top; top = this.timers.peek()) {
      if (this.isCurrentTimer(top)) return top.at;
      this.timers.pop();
    }
    return undefined;
  }

  /**
   * Receive up to `max` visible messages (and at most about `maxBytes` of bodies; at
   * least one). A message already received `maxReceiveCount` times goes to the
   * dead-letter queue instead, as SQS's redrive policy does.
   */
  receive(now: number, max: number, maxBytes = Infinity): { batch: Delivery[]; dead: QueueMessage[]; expired: QueueMessage[] } {
    this.tick(now);
    const dead: QueueMessage[] = [];
    const expired: QueueMessage[] = [];
    const { shuffle, retentionMs = Infinity } = this.options;
    const candidates: QueueMessage[] = [];
    const wanted = shuffle ? max * SHUFFLE_SPAN : max;
    this.ready.scan((msg) => {
      if (candidates.length >= wanted) return false;
      // Past the retention period: SQS never delivers it, whenever the periodic expiry would have run.
      if (now - msg.sentAt >= retentionMs) {
        expired.push(msg);
        return true;
      }
      if (msg.receiveCount >= this.options.maxReceiveCount) {
        const err = msg.lastError ?? `received ${msg.receiveCount} times without being deleted`;
        this.commit({ k: "x", id: msg.id, t: now, err, ...(msg.lastErrorStack === undefined ? {} : { st: msg.lastErrorStack }) });
        this.counters.deadLettered++;
        dead.push(msg);
        return true;
      }
      candidates.push(msg);
      return true;
    });
    if (shuffle) shuffleInPlace(candidates, shuffle);
    const batch = deliveriesOf(candidates, now, max, maxBytes);
    if (batch.length > 0) {
      this.commit({ k: "r", ids: batch.map((d) => d.id), t: now, v: now + this.options.visibilityTimeoutMs });
      for (const delivery of batch) if (delivery.receiveCount > 1) this.counters.redelivered++;
    }
    if (expired.length > 0) {
      this.commit({ k: "o", ids: expired.map((m) => m.id) });
      this.counters.expired += expired.length;
    }
    return { batch, dead, expired };
  }

  /**
   * The invocation succeeded for these: delete them. A stale receipt (the
   * message was received again, or dead-lettered, after this receive) deletes
   * nothing, as SQS ignores a delete with an old receipt handle; it is returned,
   * so the caller reports it instead of calling the message handled.
   */
  ack(receipts: Receipt[]): { acked: Receipt[]; stale: StaleReceipt[] } {
    const acked: Receipt[] = [];
    const stale: StaleReceipt[] = [];
    for (const receipt of receipts) {
      if (this.isCurrent(receipt)) acked.push(receipt);
      else stale.push(this.staleness(receipt));
    }
    if (acked.length > 0) {
      this.commit({ k: "d", ids: acked.map((r) => r.id) });
      this.counters.processed += acked.length;
    }
    return { acked, stale };
  }

  /**
   * The invocation succeeded for these, but they come back as if the delete had
   * not happened (a standard queue's at-least-once delivery, dev --at-least-once):
   * visible again at `now`. Returns those whose receipt still counted.
   */
  deliverAgain(receipts: Receipt[], now: number): Receipt[] {
    const again = receipts.filter((r) => this.isCurrent(r));
    if (again.length > 0) this.commit({ k: "v", ids: again.map((r) => r.id), v: now });
    return again;
  }

  /**
   * The invocation failed for these. Each stays invisible until its visibility
   * timeout ends, except on its last allowed receive: then it goes to the
   * dead-letter queue at once (SQS would move it on the next receive; the result
   * is the same, and the log says so when it happens). Returns the dead ones.
   */
  fail(failures: Array<Receipt & { error: string; stack?: string }>, now: number): { dead: QueueMessage[]; stale: StaleReceipt[] } {
    const dead: QueueMessage[] = [];
    const stale: StaleReceipt[] = [];
    for (const failure of failures) {
      if (!this.isCurrent(failure)) {
        stale.push(this.staleness(failure));
        continue;
      }
      this.counters.failed++;
      const msg = this.messages.get(failure.id)!;
      const stack = failure.stack === undefined ? {} : { st: failure.stack };
      if (msg.receiveCount >= this.options.maxReceiveCount) {
        this.commit({ k: "x", id: msg.id, t: now, err: failure.error, ...stack });
        this.counters.deadLettered++;
        dead.push(msg);
      } else {
        this.commit({ k: "f", id: msg.id, err: failure.error, ...stack });
      }
    }
    return { dead, stale };
  }

  /** Where the message is now that a receipt for it turned out stale. */
  private staleness(receipt: Receipt): StaleReceipt {
    const msg = this.messages.get(receipt.id);
    const now: StaleReceipt["now"] = !msg ? "deleted" : msg.state === "dead" ? "dead" : "received-again";
    return { id: receipt.id, receiveCount: receipt.receiveCount, now, ...(msg && now === "received-again" ? { currentReceiveCount: msg.receiveCount } : {}) };
  }

  /**
   * The record that makes a waiting message visible now (`letsgo-worker
   * retry`, dev only): one whose failed attempt left it invisible until its
   * visibility timeout ends, or a delayed one. Null when it is not waiting.
   */
  prepareRetryNow(id: string, now: number): Extract<QueueRecord, { k: "v" }> | null {
    const msg = this.messages.get(id);
    if (!msg || (msg.state !== "inflight" && msg.state !== "delayed") || msg.visibleAt <= now) return null;
    return { k: "v", ids: [id], v: now };
  }

  /** Move dead messages (all, or the given ones) back to the queue, as new messages. Returns how many moved. */
  redrive(now: number, newId: () => string, ids?: string[]): number {
    const record = this.prepareRedrive(now, newId, ids);
    if (record) this.commit(record);
    return record?.ids.length ?? 0;
  }

  /**
   * Drop every message older than the retention period (dead ones: older than
   * the DLQ's), as SQS does, in flight or not. Returns what expired.
   */
  expire(now: number): QueueMessage[] {
    const { retentionMs = Infinity, deadRetentionMs = Infinity } = this.options;
    const expired: QueueMessage[] = [];
    for (const msg of this.messages.values()) {
      if (now - msg.sentAt >= (msg.state === "dead" ? deadRetentionMs : retentionMs)) expired.push(msg);
    }
    if (expired.length > 0) {
      this.commit({ k: "o", ids: expired.map((m) => m.id) });
      this.counters.expired += expired.length;
    }
    return expired;
  }

  /** Delete every dead message. Returns how many. */
  purge(): number {
    const record = this.preparePurge();
    if (record) this.commit(record);
    return record?.ids.length ?? 0;
  }

  /** The redrive record (null: nothing to move), for a caller that makes it durable before it `apply`s it. */
  prepareRedrive(now: number, newId: () => string, ids?: string[]): Extract<QueueRecord, { k: "m" }> | null {
    const moving = [...new Set(ids ?? this.dead.keys())].filter((id) => this.dead.has(id));
    return moving.length > 0 ? { k: "m", ids: moving, t: now, nids: moving.map(() => newId()) } : null;
  }

  /** The purge record (null: the DLQ is empty), for a caller that makes it durable before it `apply`s it. */
  preparePurge(): Extract<QueueRecord, { k: "p" }> | null {
    return this.dead.size > 0 ? { k: "p", ids: [...this.dead.keys()] } : null;
  }

  listDead(): QueueMessage[] {
    return [...this.dead.values()];
  }

  stats(now: number): QueueStats {
    this.tick(now);
    const oldest = this.ready.first();
    return {
      visible: this.counts.ready,
      inFlight: this.counts.inflight,
      delayed: this.counts.delayed,
      dead: this.counts.dead,
      oldestVisibleAgeMs: oldest ? Math.max(0, now - oldest.sentAt) : 0,
      ...this.counters,
    };
  }

  /** Every message as one record each: the journal's compacted form. */
  snapshot(): SnapshotRecord[] {
    return [...this.messages.values()].map(snapshotOf);
  }

  /** Apply one record: the only place state changes, for live changes and replay alike. */
  apply(record: QueueRecord): void {
    switch (record.k) {
      case "e":
        if (this.messages.has(record.id)) return;
        this.add(enqueuedMessage(record), record.v > record.t ? "delayed" : "ready");
        return;
      case "s":
        this.remove(record.id);
        this.add(snapshotMessage(record), record.dead ? "dead" : record.c > 0 ? "inflight" : "delayed");
        return;
      case "r":
        for (const id of record.ids) {
          const msg = this.messages.get(id);
          if (!msg || msg.state === "dead") continue;
          msg.receiveCount++;
          if (!msg.firstReceivedAt) msg.firstReceivedAt = record.t;
          msg.visibleAt = record.v;
          this.place(msg, "inflight");
        }
        return;
      case "d":
        for (const id of record.ids) this.remove(id);
        return;
      case "f": {
        const msg = this.messages.get(record.id);
        if (msg) setLastError(msg, record.err, record.st);
        return;
      }
      case "x": {
        const msg = this.messages.get(record.id);
        if (!msg) return;
        setLastError(msg, record.err, record.st);
        msg.deadAt = record.t;
        this.place(msg, "dead");
        return;
      }
      case "m":
        for (const [i, id] of record.ids.entries()) {
          const msg = this.messages.get(id);
          if (!msg || msg.state !== "dead") continue;
          const newId = record.nids?.[i];
          if (newId !== undefined) {
            this.remove(id);
            this.add(redrivenMessage(msg, newId, record.t), "ready");
            continue;
          }
          msg.receiveCount = 0;
          msg.firstReceivedAt = 0;
          msg.visibleAt = record.t;
          delete msg.lastError;
          delete msg.lastErrorStack;
          delete msg.deadAt;
          this.place(msg, "ready");
        }
        return;
      case "p":
        for (const id of record.ids) if (this.messages.get(id)?.state === "dead") this.remove(id);
        return;
      case "o":
        for (const id of record.ids) this.remove(id);
        return;
      case "v":
        for (const id of record.ids) {
          const msg = this.messages.get(id);
          if (!msg || msg.state === "dead") continue;
          msg.visibleAt = record.v;
          this.place(msg, "inflight");
        }
        return;
    }
  }

  private commit(record: QueueRecord): void {
    this.apply(record);
    this.sink(record);
  }

  private isCurrent(receipt: Receipt): boolean {
    const msg = this.messages.get(receipt.id);
    return msg !== undefined && (msg.state === "inflight" || msg.state === "ready") && msg.receiveCount === receipt.receiveCount;
  }

  private isCurrentTimer(timer: Timer): boolean {
    const msg = timer.msg;
    return (msg.state === "delayed" || msg.state === "inflight") && msg.visibleAt === timer.at && this.messages.get(msg.id) === msg;
  }

  private add(msg: QueueMessage, state: MessageState): void {
    this.messages.set(msg.id, msg);
    this.counts[msg.state]++;
    this.place(msg, state);
  }

  private remove(id: string): void {
    const msg = this.messages.get(id);
    if (!msg) return;
    this.leave(msg);
    this.counts[msg.state]--;
    this.messages.delete(id);
  }

  /** Move a message to a state, keeping the ready list, DLQ and timers in step. */
  private place(msg: QueueMessage, state: MessageState): void {
    this.leave(msg);
    this.setState(msg, state);
    if (state === "ready") this.ready.push(msg);
    else if (state === "dead") this.dead.set(msg.id, msg);
    else {
      this.timers.push({ at: msg.visibleAt, msg });
      this.rebuildTimersIfStale();
    }
  }

  private leave(msg: QueueMessage): void {
    if (msg.state === "ready") this.ready.delete(msg);
    else if (msg.state === "dead") this.dead.delete(msg.id);
  }

  private setState(msg: QueueMessage, state: MessageState): void {
    this.counts[msg.state]--;
    this.counts[state]++;
    msg.state = state;
  }

  /** Deleted in-flight messages leave their timers behind; drop them before they pile up. */
  private rebuildTimersIfStale(): void {
    const live = this.counts.delayed + this.counts.inflight;
    if (this.timers.size <= 2 * live + 1024) return;
    const timers = new MinHeap<Timer>();
    for (const msg of this.messages.values()) {
      if (msg.state === "delayed" || msg.state === "inflight") timers.push({ at: msg.visibleAt, msg });
    }
    this.timers = timers;
  }
}
