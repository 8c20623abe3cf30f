/**
 * The queue's vocabulary: its messages, what a receive hands out, and the
 * records every change is written as (the journal's lines). Types only.
 */
import type { CheckedAttributes } from "../../queue/validate.js";

/** One change to the queue, as written to the journal (short keys: there are many). */
export type QueueRecord =
  /** Enqueued: id, type, body, sent at, visible at (later than `t` when delayed); `a`: its message attributes, when it has some. */
  | { k: "e"; id: string; ty: string; b: string; t: number; v: number; a?: MessageAttributes }
  /** Received at `t`, invisible until `v`. */
  | { k: "r"; ids: string[]; t: number; v: number }
  /** Deleted after a successful invocation. */
  | { k: "d"; ids: string[] }
  /** An invocation failed; the message comes back when its visibility timeout ends. `st`: the error's stack, when known. */
  | { k: "f"; id: string; err: string; st?: string }
  /** Moved to the dead-letter queue. */
  | { k: "x"; id: string; t: number; err: string; st?: string }
  /**
   * Moved back from the dead-letter queue (redrive), visible at `t`. As SQS,
   * each comes back as a new message: id `nids[i]`, sent at `t` (journals
   * written before kept the old ids: no `nids`).
   */
  | { k: "m"; ids: string[]; t: number; nids?: string[] }
  /** Visible again at `v` without a failure: a delivery SQS makes twice (dev --at-least-once). */
  | { k: "v"; ids: string[]; v: number }
  /** Expired: older than the retention period (the queue's, or the DLQ's for dead ones), dropped as SQS drops them. */
  | { k: "o"; ids: string[] }
  /** Purged from the dead-letter queue. */
  | { k: "p"; ids: string[] }
  /** A whole message, as written by compaction. */
  | SnapshotRecord;

export interface SnapshotRecord {
  k: "s";
  id: string;
  ty: string;
  b: string;
  t: number;
  c: number;
  fr: number;
  v: number;
  dead?: 1;
  dt?: number;
  err?: string;
  st?: string;
  /** The id it had before a redrive. */
  rf?: string;
  a?: MessageAttributes;
}

/** SQS message attributes by name: data type and value (String or Number, as text). */
export type MessageAttributes = CheckedAttributes;

export type MessageState = "ready" | "delayed" | "inflight" | "dead";

export interface QueueMessage {
  readonly id: string;
  readonly type: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  /** 0 until the first receive. */
  firstReceivedAt: number;
  visibleAt: number;
  state: MessageState;
  lastError?: string;
  /** The stack of the last error, when the handler process reported one. */
  lastErrorStack?: string;
  deadAt?: number;
  readonly attributes?: MessageAttributes;
  /** The id of the dead message this one was redriven from (a redrive gives a new id, as SQS). */
  redrivenFrom?: string;
  /** Its place in the visible list (readyList.ts), 0 when not visible; the queue's own bookkeeping. */
  readySlot: number;
}

/** What a receive hands out: the message as it was received, `receiveCount` acting as the receipt. */
export interface Delivery {
  id: string;
  type: string;
  body: string;
  attributes?: MessageAttributes;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt: number;
}

export type Receipt = Pick<Delivery, "id" | "receiveCount">;

/** A receipt that no longer counts: the message was deleted, dead-lettered or received again since. */
export interface StaleReceipt extends Receipt {
  now: "received-again" | "dead" | "deleted";
  /** The receive count of the newer receive, when received again. */
  currentReceiveCount?: number;
}

export interface QueueOptions {
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  /** Messages older than this (from when they were sent) expire. Default: never. */
  retentionMs?: number;
  /** The same for the dead-letter queue, whose age counts from the original send too (an SQS standard queue's DLQ). Default: never. */
  deadRetentionMs?: number;
  /**
   * Receive in no particular order, as a standard queue may (dev --at-least-once):
   * each batch is a random pick among the first few batches' worth of visible
   * messages. A random source in [0, 1). Default: in the order they became visible.
   */
  shuffle?: () => number;
}

export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  dead: number;
  /** How long the message visible longest has waited since it was sent (0: none waits), as SQS's ApproximateAgeOfOldestMessage. */
  oldestVisibleAgeMs: number;
  processed: number;
  failed: number;
  redelivered: number;
  deadLettered: number;
  expired: number;
}

export interface NewMessage {
  type: string;
  body: string;
  attributes?: MessageAttributes;
}
