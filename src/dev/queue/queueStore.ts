/**
 * The dev worker's durable state: the queue, replayed from and written to the
 * journal, and the delivery keys already enqueued (for webhooks that must be
 * enqueued once). Enqueues, redrives and purges resolve only once they are on
 * disk, and change the queue only then: a request that fails (503, disk full)
 * changed nothing.
 */
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { Journal } from "../journal/journal.js";
import type { JournalIo } from "../journal/journalIo.js";
import type { JournalState } from "../journal/journalTypes.js";
import type { ReplayResult } from "../journal/journalRecovery.js";
import { MessageQueue } from "./messageQueue.js";
import type { NewMessage, QueueOptions, QueueRecord } from "./queueRecords.js";
import { isQueueRecord } from "./queueRecordShape.js";
import { isSeenRecord, isSeenRecordShape, SeenKeys, type SeenRecord } from "./seenKeys.js";

type StoreRecord = QueueRecord | SeenRecord;

const isStoreRecord = (value: unknown): value is StoreRecord => isQueueRecord(value) || isSeenRecordShape(value);

/** A redriven message: the dead message's id, and the new message's (a redrive makes a new message, as SQS's does). */
export interface Redriven {
  from: string;
  messageId: string;
}

export type EnqueueOnceResult = { duplicate: false; messageId: string } | { duplicate: true };

export interface QueueStore {
  readonly queue: MessageQueue;
  /** What the journal held at start, and what recovery did (cut, quarantined, migrated). */
  readonly replay: ReplayResult & { messages: number };
  /** Whether the journal can be written now, and how many changes wait to be. */
  readonly journalState: JournalState;
  /** Resolves with the new ids once the messages are durable. */
  enqueue(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  /** Enqueue unless `key` was enqueued before (within the seen-keys window); the key, and its body's digest, are durable with the message. */
  enqueueOnce(message: NewMessage, key: string): Promise<EnqueueOnceResult>;
  /** The digest (bodyDigest) of the body enqueueOnce let in under `key`, while the key is remembered. */
  digestOf(key: string): string | undefined;
  /** Put a message straight into the dead-letter queue after `attempts` failed attempts (on disk before it resolves, unless the disk refuses: then once it takes writes again). */
  deadLetter(message: NewMessage, attempts: number, error: string, firstAttemptAt: number, stack?: string): Promise<string>;
  /** Move dead messages (all, or the given ones) back to the queue as new messages; resolves with what moved (old id → new id) once that is durable. */
  redrive(ids?: string[]): Promise<Redriven[]>;
  /** Make a waiting message visible now (dev's `retry`); false when it is not waiting. Durable before it resolves. */
  retryNow(id: string): Promise<boolean>;
  /** Delete every dead message; resolves with how many once that is durable. */
  purge(): Promise<number>;
  close(): Promise<void>;
}

export interface QueueStoreOptions extends QueueOptions {
  stateDir: string;
  compactMinRecords?: number;
  /** Called after messages became visible to the queue (wake the poller). */
  onEnqueued: () => void;
  /** Told when journal writes start failing and when they work again. */
  onJournalState?: (state: JournalState) => void;
  /** Test hook for the journal's writes (see JournalIo). */
  journalIo?: JournalIo;
}

/** The queue and the seen keys, rebuilt from the journal; every change the queue makes from here on is written to it. */
async function openJournaled(options: QueueStoreOptions) {
  let journal: Journal<StoreRecord> | undefined;
  const queue = new MessageQueue(
    {
      visibilityTimeoutMs: options.visibilityTimeoutMs,
      maxReceiveCount: options.maxReceiveCount,
      ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
      ...(options.deadRetentionMs === undefined ? {} : { deadRetentionMs: options.deadRetentionMs }),
      ...(options.shuffle === undefined ? {} : { shuffle: options.shuffle }),
    },
    (record) => journal?.write(record),
  );
  const seen = new SeenKeys();
  const opened = await Journal.open<StoreRecord>(
    {
      file: path.join(options.stateDir, "queue.journal"),
      isRecord: isStoreRecord,
      messageCount: () => queue.size,
      ...(options.compactMinRecords ? { compactMinRecords: options.compactMinRecords } : {}),
      ...(options.onJournalState ? { onStateChange: options.onJournalState } : {}),
      ...(options.journalIo ? { io: options.journalIo } : {}),
    },
    (record) => (isSeenRecord(record) ? seen.apply(record) : queue.apply(record)),
  );
  journal = opened.journal;
  journal.setSnapshotSource(
    () => [...queue.snapshot(), ...seen.snapshot()],
    () => queue.size + seen.size,
  );
  return { queue, seen, journal, replay: opened.replay };
}

export async function openQueueStore(options: QueueStoreOptions): Promise<QueueStore> {
  const { queue, seen, journal, replay: opened } = await openJournaled(options);
  const inProgress = new Map<string, Promise<string>>();

  const commit = async (records: QueueRecord[], extra: StoreRecord[] = []): Promise<void> => {
    await journal.append([...records, ...extra]);
    for (const record of records) queue.apply(record);
    options.onEnqueued();
  };

  /** How many of `ids` are in the dead-letter queue now. */
  const deadCount = (ids: string[]) => ids.filter((id) => queue.get(id)?.state === "dead").length;

  return {
    queue,
    replay: { ...opened, messages: queue.size },
    get journalState() {
      return journal.state;
    },
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
      const attempt = commit(records, [seen.add(key, now, bodyDigest(message.body))]).then(
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
    digestOf: (key) => seen.digest(key),
    async deadLetter(message, attempts, error, firstAttemptAt, stack) {
      // A failure record like any other: applied now and kept until written, so a full disk delays it but never drops it.
      const record = queue.prepareDeadLetter(message, firstAttemptAt, Date.now(), attempts, error, randomUUID, stack);
      queue.apply(record);
      journal.write(record);
      queue.counters.deadLettered++;
      await journal.sync().catch(() => {});
      return record.id;
    },
    async redrive(ids) {
      const record = queue.prepareRedrive(Date.now(), randomUUID, ids);
      if (!record) return [];
      await journal.append([record]);
      // Only those still dead now that the record is on disk move (a purge may have run meanwhile).
      const moved = record.ids.map((from, i) => ({ from, messageId: record.nids![i]! })).filter(({ from }) => queue.get(from)?.state === "dead");
      queue.apply(record);
      return moved;
    },
    async retryNow(id) {
      const record = queue.prepareRetryNow(id, Date.now());
      if (!record) return false;
      await journal.append([record]);
      queue.apply(record);
      return true;
    },
    async purge() {
      const record = queue.preparePurge();
      if (!record) return 0;
      await journal.append([record]);
      const purged = deadCount(record.ids);
      queue.apply(record);
      return purged;
    },
    close: () => journal.close(),
  };
}

/** SHA-256 of a message body, base64url: what a seen key records of the message it let in. */
export function bodyDigest(body: string): string {
  return createHash("sha256").update(body).digest("base64url");
}
