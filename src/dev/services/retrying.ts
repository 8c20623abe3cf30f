/** Messages waiting for their next attempt, as GET /dlq and the dashboard show them. */
import type { RetryingView } from "../http/devApi.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import { retryTiming, type RetrySettings } from "../queue/retryTiming.js";

/** Soonest first: failed ones, and those whose attempt ended with a dev restart (in flight, but not running). */
export function retryingViews(queue: Pick<MessageQueue, "all">, isRunning: (id: string) => boolean, settings: RetrySettings): RetryingView[] {
  const views: Array<RetryingView & { at: number }> = [];
  for (const message of queue.all()) {
    if (message.state !== "inflight" || isRunning(message.id)) continue;
    const timing = retryTiming(message, settings);
    views.push({
      messageId: message.id,
      type: message.type,
      attempts: message.receiveCount,
      maxAttempts: settings.maxReceiveCount,
      lastError: message.lastError ?? null,
      nextAttemptAt: new Date(timing.nextAttemptAt).toISOString(),
      deadLetterAt: new Date(timing.deadLetterAt).toISOString(),
      at: timing.nextAttemptAt,
    });
  }
  return views.sort((a, b) => a.at - b.at).map(({ at: _at, ...view }) => view);
}
