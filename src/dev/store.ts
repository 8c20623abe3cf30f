/**
 * The dev worker's durable state: the queue, replayed from and written to the
 * journal, and the delivery keys already enqueued (for webhooks that must be
 * enqueued once). Enqueues resolve only once they are on disk.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { Journal, type ReplayResult } from "./journal.js";
import { MessageQueue, type NewMessage, type QueueOptions, type QueueRecord } from "./messageQueue.js";
import { isSeenRecord, SeenKeys, type SeenRecord } from "./seenKeys.js";

type StoreRecord = QueueRecord | SeenRecord;

export type EnqueueOnceResult = { duplicate: false; messageId: string } | { duplicate: true };

export interface QueueStore {
  readonly queue: MessageQueue;
  /** What the journal held at start. */
  readonly replay: ReplayResult & { messages: number };
  /** Resolves with the new ids once the messages are durable. */
  enqueue(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  /** Enqueue unless `key` was enqueued before (within the seen-keys window); the key is durable with the message. */
  enqueueOnce(message: NewMessage, key: string): Promise<EnqueueOnceResult>;
  /** Put a message straight into the dead-letter queue after `attempts` failed attempts; durable before it resolves. */
  deadLetter(message: NewMessage, attempts: number, error: string, firstAttemptAt: number): Promise<string>;
  close(): Promise<void>;
}

export interface QueueStoreOptions extends QueueOptions {
  stateDir: string;
  compactMinRecords?: number;
  /** Called after messages became visible to the queue (wake the poller). */
  onEnqueued: () => void;
}

export async function openQueueStore(options: QueueStoreOptions): Promise<QueueStore> {
  let journal: Journal<StoreRecord> | undefined;
  const queue = new MessageQueue(
    { visibilityTimeoutMs: options.visibilityTimeoutMs, maxReceiveCount: options.maxReceiveCount },
    (record) => journal?.write(record),
  );
  const seen = new SeenKeys();
  const opened = await Journal.open<StoreRecord>(
    { file: path.join(options.stateDir, "queue.journal"), ...(options.compactMinRecords ? { compactMinRecords: options.compactMinRecords } : {}) },
    (record) => (isSeenRecord(record) ? seen.apply(record) : queue.apply(record)),
  );
  journal = opened.journal;
  journal.setSnapshotSource(
    () => [...queue.snapshot(), ...seen.snapshot()],
    () => queue.size + seen.size,
  );
  const inProgress = new Map<string, Promise<string>>();

  const commit = async (records: QueueRecord[], extra: StoreRecord[] = []): Promise<void> => {
    await journal!.append([...records, ...extra]);
    for (const record of records) queue.apply(record);
    options.onEnqueued();
  };

  return {
    queue,
    replay: { ...opened.replay, messages: queue.size },
    async enqueue(messages, delaySeconds) {
      const records = queue.prepareEnqueue(messages, Date.now(), delaySeconds * 1000, randomUUID);
      await commit(records);
      return records.map((record) => (record as { id: string }).id);
    },
    async enqueueOnce(message, key) {
      // A delivery of the same key still being written: its outcome decides.
      const pending = inProgress.get(key);
      if (pending) {
        const accepted = await pending.then(() => true, () => false);
        if (accepted) return { duplicate: true };
      }
      const now = Date.now();
      if (seen.has(key, now)) return { duplicate: true };
      const records = queue.prepareEnqueue([message], now, 0, randomUUID);
      const attempt = commit(records, [seen.add(key, now)]).then(
        () => (records[0] as { id: string }).id,
        (error: unknown) => {
          seen.forget(key);
          throw error;
        },
      );
      inProgress.set(key, attempt);
      try {
        return { duplicate: false, messageId: await attempt };
      } finally {
        if (inProgress.get(key) === attempt) inProgress.delete(key);
      }
    },
    async deadLetter(message, attempts, error, firstAttemptAt) {
      const record = queue.prepareDeadLetter(message, firstAttemptAt, Date.now(), attempts, error, randomUUID);
      await journal!.append([record]);
      queue.apply(record);
      queue.counters.deadLettered++;
      return record.id;
    },
    close: () => journal!.close(),
  };
}
