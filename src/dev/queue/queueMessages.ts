/**
 * Messages made from records and records from messages (the journal's two
 * directions), and what a receive hands out. Pure; messageQueue.ts places the
 * results in its indexes.
 */
import type { Delivery, QueueMessage, QueueRecord, SnapshotRecord } from "./queueRecords.js";

type EnqueueRecord = Extract<QueueRecord, { k: "e" }>;

export function enqueuedMessage(record: EnqueueRecord): QueueMessage {
  return { id: record.id, type: record.ty, body: record.b, sentAt: record.t, receiveCount: 0, firstReceivedAt: 0, visibleAt: record.v, state: "delayed", readySlot: 0, ...(record.a ? { attributes: record.a } : {}) };
}

/** A message as compaction wrote it. */
export function snapshotMessage(record: SnapshotRecord): QueueMessage {
  const msg: QueueMessage = { id: record.id, type: record.ty, body: record.b, sentAt: record.t, receiveCount: record.c, firstReceivedAt: record.fr, visibleAt: record.v, state: "delayed", readySlot: 0, ...(record.a ? { attributes: record.a } : {}) };
  if (record.err !== undefined) msg.lastError = record.err;
  if (record.st !== undefined) msg.lastErrorStack = record.st;
  if (record.dead) msg.deadAt = record.dt ?? 0;
  if (record.rf !== undefined) msg.redrivenFrom = record.rf;
  return msg;
}

/** One message as one record: the journal's compacted form. */
export function snapshotOf(m: QueueMessage): SnapshotRecord {
  const record: SnapshotRecord = { k: "s", id: m.id, ty: m.type, b: m.body, t: m.sentAt, c: m.receiveCount, fr: m.firstReceivedAt, v: m.visibleAt };
  if (m.state === "dead") {
    record.dead = 1;
    record.dt = m.deadAt ?? 0;
  }
  if (m.lastError !== undefined) record.err = m.lastError;
  if (m.lastErrorStack !== undefined) record.st = m.lastErrorStack;
  if (m.redrivenFrom !== undefined) record.rf = m.redrivenFrom;
  if (m.attributes !== undefined) record.a = m.attributes;
  return record;
}

/** A new message, as SQS's redrive makes: new id, sent at `at`, never received; the old id kept for tracing. */
export function redrivenMessage(msg: QueueMessage, newId: string, at: number): QueueMessage {
  return { id: newId, type: msg.type, body: msg.body, sentAt: at, receiveCount: 0, firstReceivedAt: 0, visibleAt: at, state: "delayed", readySlot: 0, redrivenFrom: msg.id, ...(msg.attributes ? { attributes: msg.attributes } : {}) };
}

/** The last error replaces the one before, stack included: an error without a stack leaves none behind. */
export function setLastError(msg: QueueMessage, error: string, stack: string | undefined): void {
  msg.lastError = error;
  if (stack === undefined) delete msg.lastErrorStack;
  else msg.lastErrorStack = stack;
}

/** With `shuffle`, a batch is picked among this many batches' worth of visible messages. */
export const SHUFFLE_SPAN = 4;

/** Fisher-Yates, with the given source of randomness in [0, 1). */
export function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Up to `max` of `candidates`, and at most about `maxBytes` of bodies (at least one), as received at `now`. */
export function deliveriesOf(candidates: readonly QueueMessage[], now: number, max: number, maxBytes: number): Delivery[] {
  const batch: Delivery[] = [];
  let bytes = 0;
  for (const msg of candidates) {
    if (batch.length >= max || (batch.length > 0 && bytes + msg.body.length > maxBytes)) break;
    bytes += msg.body.length;
    batch.push({
      id: msg.id,
      type: msg.type,
      body: msg.body,
      ...(msg.attributes ? { attributes: msg.attributes } : {}),
      sentAt: msg.sentAt,
      receiveCount: msg.receiveCount + 1,
      firstReceivedAt: msg.firstReceivedAt || now,
    });
  }
  return batch;
}
