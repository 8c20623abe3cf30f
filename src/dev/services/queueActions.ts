/**
 * The queue's actions as the HTTP API and the dashboard ask for them. Each
 * makes its change durable (the store), files it in the history, wakes the
 * event source mapping when a message became visible, and says what happened
 * as a DevWorkerEvent. The rules about what may be sent live in intake and
 * replay; this is where they meet the queue.
 */
import type { EventEmitter } from "node:events";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";
import type { DevWorkerEvents } from "../devWorkerTypes.js";
import type { HistorySource, MessageHistory } from "../history/history.js";
import { replayedMessage } from "./replay.js";
import { HttpError } from "../http/http.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import type { NewMessage } from "../queue/queueRecords.js";
import type { EnqueueOnceResult, QueueStore, Redriven } from "../queue/queueStore.js";

export interface QueueActionParts {
  store: Pick<QueueStore, "enqueue" | "enqueueOnce" | "redrive" | "retryNow" | "purge" | "digestOf">;
  queue: Pick<MessageQueue, "get">;
  history: Pick<MessageHistory, "accepted" | "get">;
  /** The event source mapping: woken when a message became visible; a running message cannot be retried. */
  delivery: { wake(): void; isRunning(id: string): boolean };
  events: Pick<EventEmitter<DevWorkerEvents>, "emit">;
  /** Read at each use: apps/worker/.env may change them while dev runs. */
  maxMessageSize(): number;
  payloadSchemas(): PayloadSchemas | undefined;
}

export interface QueueActions {
  /** POST /: durable before it resolves; the new ids in order. */
  send(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  /** POST /stripe: enqueued unless `key` was seen before. */
  sendOnce(message: NewMessage, key: string): Promise<EnqueueOnceResult>;
  redrive(ids?: string[]): Promise<Redriven[]>;
  retryNow(id: string): Promise<{ ok: true } | { ok: false; running: boolean }>;
  purge(): Promise<number>;
  /** A copy of a message from the history, its payload replaced if given (the replay rules: history/replay.ts). */
  replay(id: string, payload?: unknown): Promise<{ messageId: string }>;
}

export function queueActions(parts: QueueActionParts): QueueActions {
  const { store, queue, history, delivery, events } = parts;
  const fileAccepted = (messages: NewMessage[], ids: string[], source: HistorySource, from?: string) => {
    messages.forEach((message, i) => {
      const id = ids[i]!;
      const entry = { id, type: message.type, body: message.body, ...(message.attributes ? { attributes: message.attributes } : {}), sentAt: queue.get(id)?.sentAt ?? Date.now() };
      history.accepted(entry, source, from);
    });
  };
  return {
    async send(messages, delaySeconds) {
      const ids = await store.enqueue(messages, delaySeconds);
      fileAccepted(messages, ids, "send");
      return ids;
    },
    async sendOnce(message, key) {
      const result = await store.enqueueOnce(message, key);
      if (!result.duplicate) fileAccepted([message], [result.messageId], "stripe");
      return result;
    },
    async redrive(ids) {
      const moved = await store.redrive(ids);
      if (moved.length > 0) delivery.wake();
      for (const { from, messageId } of moved) events.emit("message:redriven", { from, id: messageId, type: queue.get(messageId)?.type ?? "" });
      return moved;
    },
    async retryNow(id) {
      if (delivery.isRunning(id)) return { ok: false, running: true };
      if (!(await store.retryNow(id))) return { ok: false, running: false };
      const message = queue.get(id);
      events.emit("message:retried", { id, type: message?.type ?? "", attempt: (message?.receiveCount ?? 0) + 1 });
      delivery.wake();
      return { ok: true };
    },
    purge: () => store.purge(),
    async replay(id, payload) {
      const original = history.get(id);
      if (!original) throw new HttpError(404, `No message ${id} in the history.`);
      const source = { original, verifiedDigest: (key: string) => store.digestOf(key), maxMessageSize: parts.maxMessageSize(), payloadSchemas: parts.payloadSchemas() };
      const checked = replayedMessage(source, payload);
      const ids = await store.enqueue([checked], 0);
      fileAccepted([checked], ids, "replay", original.id);
      return { messageId: ids[0]! };
    },
  };
}
