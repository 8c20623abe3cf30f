/**
 * Files what the dev worker reports (its own events) into the message history
 * (./history.ts): attempts and their output, dead letters, expiries, redrives.
 * Messages coming in are filed where they are accepted (worker.ts), since only
 * there is it known how they came (sent, Stripe, replay).
 */
import type { EventEmitter } from "node:events";
import type { DevWorkerEvents } from "../devWorkerTypes.js";
import type { MessageHistory } from "./history.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import type { QueueMessage } from "../queue/queueRecords.js";

export function recordHistory(worker: EventEmitter<DevWorkerEvents>, history: MessageHistory, queue: MessageQueue): void {
  worker.on("message:handled", (outcome) => history.attempt(outcome, true));
  worker.on("message:failed", (outcome) => history.attempt(outcome, false));
  worker.on("message:dead", ({ id }) => {
    // A scheduled run that failed for good becomes a dead message without having been sent: file it first.
    if (!history.get(id)) fileFromQueue(history, queue.get(id), "schedule");
    history.dead(id);
  });
  worker.on("message:expired", ({ id }) => history.expired(id));
  worker.on("message:redriven", ({ from, id }) => fileFromQueue(history, queue.get(id), "redrive", from));
  worker.on("handler:output", ({ line, stream, requestId }) => {
    if (requestId !== undefined) history.output(requestId, line, stream);
  });
}

/** Give every message the journal brought back an entry, if the history has none (it was lost, or older). */
export function fileQueuedMessages(history: MessageHistory, messages: Iterable<QueueMessage>): void {
  for (const message of messages) {
    if (history.get(message.id)) continue;
    fileFromQueue(history, message, "journal", message.redrivenFrom);
    if (message.state === "dead") history.dead(message.id);
  }
}

function fileFromQueue(history: MessageHistory, message: QueueMessage | undefined, source: "schedule" | "redrive" | "journal", from?: string): void {
  if (!message) return;
  history.accepted({ id: message.id, type: message.type, body: message.body, ...(message.attributes ? { attributes: message.attributes } : {}), sentAt: message.sentAt }, source, from);
}
