/**
 * How the parts' own events become the worker's (DevWorkerEvents): what the
 * console prints, --json writes, the history files and the dashboard shows.
 * Each event has one builder here, whichever part it came from.
 */
import type { EventEmitter } from "node:events";
import type { DevWorker, DevWorkerEvents } from "../devWorkerTypes.js";
import type { EventSourceMapping } from "../delivery/eventSourceMapping.js";
import type { HandlerInvoker } from "../pool/invoker.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import type { QueueMessage } from "../queue/queueRecords.js";
import { retryTiming, type RetrySettings } from "../queue/retryTiming.js";

type Events = Pick<EventEmitter<DevWorkerEvents>, "emit">;

/** How often messages past their retention are looked for (the shortest retention SQS allows is 60 s). */
const EXPIRY_CHECK_MS = 10_000;

/** The one builder of "message:dead", whichever part dead-lettered the message (a last failed attempt, a scheduled run, the mapping). */
export function deadEvent(id: string, type: string, attempts: number, error: string, stack: string | undefined): DevWorkerEvents["message:dead"][0] {
  return { id, type, attempts, error, ...(stack ? { stack } : {}) };
}

export function expiredEvent(message: QueueMessage, now: number): DevWorkerEvents["message:expired"][0] {
  return { id: message.id, type: message.type, ageSeconds: Math.round((now - message.sentAt) / 1000), dead: message.state === "dead" };
}

/** The handler's state as `DevWorker.handler` shows it, kept current from the pool's events, which are passed on; `image`: dev --image's latest image. */
export function reportHandler(invoker: HandlerInvoker, events: Events, image?: () => string | undefined): DevWorker["handler"] {
  const handler: DevWorker["handler"] = { loaded: false };
  invoker.on("loaded", (info) => {
    Object.assign(handler, { loaded: true, loadMs: info.loadMs, error: undefined }, image ? { image: image() } : {});
    events.emit("handler:loaded", info);
  });
  invoker.on("load-error", (info) => {
    Object.assign(handler, { loaded: false, error: info.error });
    events.emit("handler:load-error", info);
  });
  invoker.on("process-exit", (info) => events.emit("handler:exit", info));
  return handler;
}

/** The event source mapping's outcomes; a failure says when it is tried again and when it would be dead-lettered (`retrySettings` read live). */
export function reportDeliveries(mapping: EventSourceMapping, queue: Pick<MessageQueue, "get">, retrySettings: () => RetrySettings, events: Events): void {
  mapping.on("handled", (outcome) => events.emit("message:handled", outcome));
  mapping.on("failed", (outcome) => {
    const message = outcome.dead ? undefined : queue.get(outcome.id);
    const timing = message && retryTiming(message, retrySettings());
    const when = timing && { nextAttemptAt: new Date(timing.nextAttemptAt).toISOString(), deadLetterAt: new Date(timing.deadLetterAt).toISOString() };
    events.emit("message:failed", { ...outcome, ...when });
    if (outcome.dead) events.emit("message:dead", deadEvent(outcome.id, outcome.type, outcome.attempt, outcome.error, outcome.stack));
  });
  mapping.on("dead", ({ message, attempts }) => events.emit("message:dead", deadEvent(message.id, message.type, attempts, message.lastError ?? "no result", message.lastErrorStack)));
  mapping.on("expired", ({ message, now }) => events.emit("message:expired", expiredEvent(message, now)));
  mapping.on("stale", (outcome) => events.emit("message:stale", outcome));
  mapping.on("duplicated", (outcome) => events.emit("message:duplicated", outcome));
}

/**
 * Retention, as SQS applies it: at once (messages may have aged while dev was
 * stopped; those are returned, for the caller to report once it listens), then
 * every EXPIRY_CHECK_MS.
 */
export function applyRetention(queue: Pick<MessageQueue, "expire">, events: Events): { expiredWhileStopped: DevWorkerEvents["message:expired"][0][]; stop(): void } {
  const expire = () => {
    const now = Date.now();
    return queue.expire(now).map((message) => expiredEvent(message, now));
  };
  const expiredWhileStopped = expire();
  const timer = setInterval(() => {
    for (const expired of expire()) events.emit("message:expired", expired);
  }, EXPIRY_CHECK_MS).unref();
  return { expiredWhileStopped, stop: () => clearInterval(timer) };
}
