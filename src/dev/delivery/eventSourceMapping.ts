/**
 * The event source mapping in front of the handler: gathers visible messages into
 * batches (up to the batch size, waiting up to the batching window for a full
 * one), runs at most `concurrency` batches at once, and settles each batch's
 * messages from the handler's result.
 *
 * Another handler process is asked for only when work has waited SCALE_UP_AFTER_MS
 * for a warm one, one process at a time, and beyond two only while more
 * processes can help: the handlers take most of each invocation's round trip,
 * and they wait (on I/O, timers) rather than compute, or there are cores to
 * spare. When a batch's round trip is mostly the parent's own work (a fast
 * handler under load), or the handlers already keep the cores busy, another
 * process adds memory and context switches, not throughput (measured:
 * concurrency 2 handled more than 4 processes did, bench/peers.mjs). A handler
 * that waits still gets up to `concurrency` processes within a fraction of a
 * second (a process loads the bundle in tens of milliseconds). Lambda too
 * scales its concurrent batches with the backlog.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import type { EventOrigin } from "../../events/origin.js";
import { judgeBatch } from "./batchResult.js";
import type { Invoker } from "../pool/invoker.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import type { Delivery, QueueMessage, StaleReceipt } from "../queue/queueRecords.js";

export interface PollerOptions {
  batchSize: number;
  batchingWindowMs: number;
  concurrency: number;
  /** Lambda's invocation payload limit caps a batch's bodies too. */
  maxBatchBytes: number;
  origin: EventOrigin;
  memoryMb: number;
  /** The share of first deliveries handled successfully that come back once more (dev --at-least-once). Default 0. */
  duplicateShare?: number;
  /** Random source in [0, 1) for duplicateShare. Default Math.random. */
  random?: () => number;
}

export interface MessageOutcome {
  id: string;
  type: string;
  attempt: number;
  maxAttempts: number;
  durationMs: number;
  requestId: string;
}

/** A failed attempt: the error's first line, its stack when the handler process reported one, and whether the message is now dead. */
export type FailedOutcome = MessageOutcome & { error: string; stack?: string; dead: boolean };

export type StaleOutcome = MessageOutcome & {
  /** What the late attempt returned: success, or this error. */
  succeeded: boolean;
  error?: string;
  /** Where the message is now. */
  now: StaleReceipt["now"];
  /** The attempt now running, when it was received again. */
  currentAttempt?: number;
};

type Events = {
  handled: [MessageOutcome];
  failed: [FailedOutcome];
  /** Moved to the DLQ on receive: its last attempt ended without a result (e.g. the worker stopped). */
  dead: [{ message: QueueMessage; attempts: number }];
  /** Found past the retention period by a receive, and dropped. */
  expired: [{ message: QueueMessage; now: number }];
  /**
   * An invocation ended after its messages' visibility timeout, and a message had
   * meanwhile been received again or dead-lettered: its result does not count
   * (SQS ignores a delete or failure with an old receipt handle).
   */
  stale: [StaleOutcome];
  /** Handled, and delivered once more on purpose (--at-least-once), as SQS may deliver a message twice. */
  duplicated: [MessageOutcome];
  /** Nothing visible and nothing running. */
  idle: [];
};

/** Lambda's synchronous invocation payload limit. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** How long a batch waits for a busy process to free up before another process is started. */
export const SCALE_UP_AFTER_MS = 20;

/** Processes the mapping scales to under load whatever the handlers' share: one runs while another's reply travels. */
export const ALWAYS_SCALE_TO = 2;

/** Beyond ALWAYS_SCALE_TO, scale only while the handlers' share of the round trip is at least this... */
export const SCALE_UP_HANDLER_SHARE = 0.5;

/** ...and, once there are as many processes as cores, while the handlers' CPU time is less than this share of their time. */
export const SCALE_UP_CPU_SHARE = 0.5;

export class EventSourceMapping extends EventEmitter<Events> {
  private running = 0;
  /** Messages of the batches running now (a retry of one of them would deliver it twice). */
  private readonly runningIds = new Set<string>();
  private windowStart: number | null = null;
  /** Since when a batch that could start waits for a warm process (null: none waits). */
  private waitingSince: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private pumpScheduled = false;
  private stopped = true;
  private readonly settled = new Set<Promise<void>>();
  /**
   * The handlers' share of an invocation's round trip (their own time over send
   * to reply), averaged over recent batches; 1 until a process has said.
   */
  private handlerShare = 1;
  /** The CPU time's share of the handlers' time, averaged likewise; 0 until a process has said. */
  private cpuShare = 0;

  constructor(
    private readonly queue: MessageQueue,
    private readonly invoker: Invoker,
    private readonly options: PollerOptions,
    private readonly now: () => number = Date.now,
    /** Cores this machine runs handler processes on. */
    private readonly cores: number = availableParallelism(),
  ) {
    super();
    invoker.on("available", () => this.wake());
  }

  get runningBatches(): number {
    return this.running;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Stop starting batches; running ones still settle. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Wait for the running batches to settle. */
  async drained(): Promise<void> {
    while (this.settled.size > 0) await Promise.all(this.settled);
  }

  /** Whether an attempt of this message is running now. */
  isRunning(id: string): boolean {
    return this.runningIds.has(id);
  }

  /** Something changed (messages arrived, a batch ended): look again, once per turn. */
  wake(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.now();
    this.queue.tick(now);
    while (this.running < this.options.concurrency && this.invoker.available && this.queue.readyCount > 0) {
      if (this.queue.readyCount < this.options.batchSize && this.options.batchingWindowMs > 0) {
        this.windowStart ??= now;
        if (now - this.windowStart < this.options.batchingWindowMs) break;
      }
      // Receive only what a warm process can run now: the visibility timeout starts at the receive.
      if (this.invoker.idleCount === 0) {
        this.waitingSince ??= now;
        // One more process at a time: the next only if work still waits once it is warm.
        if (now - this.waitingSince >= SCALE_UP_AFTER_MS && this.moreProcessesHelp()) this.invoker.prewarm(1);
        break;
      }
      this.windowStart = null;
      const { batch, dead, expired } = this.queue.receive(now, this.options.batchSize, this.options.maxBatchBytes);
      for (const message of dead) this.emit("dead", { message, attempts: message.receiveCount });
      for (const message of expired) this.emit("expired", { message, now });
      if (batch.length > 0) this.run(batch);
      // A full batch still waiting keeps the clock running: the processes are not keeping up.
      if (this.queue.readyCount < this.options.batchSize) this.waitingSince = null;
    }
    if (this.queue.readyCount === 0) this.windowStart = null;
    if (this.queue.readyCount === 0 || this.running >= this.options.concurrency) this.waitingSince = null;
    this.armTimer(now);
    if (this.running === 0 && this.queue.readyCount === 0) this.emit("idle");
  }

  private moreProcessesHelp(): boolean {
    if (this.running < ALWAYS_SCALE_TO) return true;
    if (this.handlerShare < SCALE_UP_HANDLER_SHARE) return false;
    return this.running < this.cores || this.cpuShare < SCALE_UP_CPU_SHARE;
  }

  private noteShare(outcome: { durationMs: number; roundTripMs?: number; cpuMs?: number }): void {
    if (!outcome.roundTripMs) return;
    this.handlerShare = 0.8 * this.handlerShare + 0.2 * Math.min(1, outcome.durationMs / outcome.roundTripMs);
    if (outcome.cpuMs !== undefined && outcome.durationMs > 0) this.cpuShare = 0.8 * this.cpuShare + 0.2 * Math.min(1, outcome.cpuMs / outcome.durationMs);
  }

  /** Sleep until the batching window closes or a delayed or in-flight message becomes visible. */
  private armTimer(now: number): void {
    let at = this.queue.nextWakeAt() ?? Infinity;
    if (this.windowStart !== null && this.running < this.options.concurrency) {
      at = Math.min(at, this.windowStart + this.options.batchingWindowMs);
    }
    // Once past, processes were asked for; their "available" wakes the mapping.
    if (this.waitingSince !== null && now < this.waitingSince + SCALE_UP_AFTER_MS) at = Math.min(at, this.waitingSince + SCALE_UP_AFTER_MS);
    if (at === this.timerAt && this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.wake();
    }, Math.max(0, at - now));
  }

  private run(batch: Delivery[]): void {
    this.running++;
    for (const d of batch) this.runningIds.add(d.id);
    const requestId = randomUUID();
    const records = batch.map((d) => ({
      id: d.id,
      body: d.body,
      receiveCount: d.receiveCount,
      sentAt: d.sentAt,
      firstReceivedAt: d.firstReceivedAt,
      ...(d.attributes ? { attributes: d.attributes } : {}),
    }));
    const settle = this.invoker
      .invoke({
        t: "invoke",
        event: { kind: "sqs", records },
        context: { origin: this.options.origin, memoryMb: this.options.memoryMb, deadline: 0, awsRequestId: requestId },
      })
      .then((outcome) => {
        this.noteShare(outcome);
        const failures = judgeBatch(
          batch.map((d) => d.id),
          outcome,
        );
        const succeeded = batch.filter((d) => !failures.has(d.id));
        // --at-least-once: some first deliveries come back once more, as a standard queue may deliver them.
        const { duplicateShare = 0, random = Math.random } = this.options;
        const twice = duplicateShare > 0 ? succeeded.filter((d) => d.receiveCount === 1 && random() < duplicateShare) : [];
        const again = new Set(this.queue.deliverAgain(twice, this.now()).map((r) => r.id));
        const acked = this.queue.ack(succeeded.filter((d) => !again.has(d.id)));
        const failed = batch.filter((d) => failures.has(d.id)).map((d) => ({ ...d, ...failures.get(d.id)! }));
        const judged = this.queue.fail(failed, this.now());
        const dead = new Set(judged.dead.map((m) => m.id));
        const stale = new Map([...acked.stale, ...judged.stale].map((s) => [s.id, s]));
        const maxAttempts = this.queue.options.maxReceiveCount;
        for (const d of batch) {
          const base = { id: d.id, type: d.type, attempt: d.receiveCount, maxAttempts, durationMs: outcome.durationMs, requestId };
          const failure = failures.get(d.id);
          const late = stale.get(d.id);
          if (late) {
            this.emit("stale", { ...base, succeeded: failure === undefined, ...(failure === undefined ? {} : { error: failure.error }), now: late.now, ...(late.currentReceiveCount ? { currentAttempt: late.currentReceiveCount } : {}) });
          } else if (failure === undefined) {
            this.emit("handled", base);
            if (again.has(d.id)) this.emit("duplicated", base);
          }
          else this.emit("failed", { ...base, ...failure, dead: dead.has(d.id) });
        }
      })
      .finally(() => {
        this.running--;
        for (const d of batch) this.runningIds.delete(d.id);
        this.settled.delete(settle);
        this.wake();
      });
    this.settled.add(settle);
  }
}
