/**
 * The worker's Lambda entry point. AWS invokes `handler` with SQS message batches
 * and EventBridge Scheduler events; `letsgo-worker dev` invokes the very same
 * function locally.
 *
 * Routing lives in the letsgo-worker runtime: every message is dispatched to the
 * handler registered for its `type` in ./handlers, failed messages are reported
 * back to SQS one by one (they are retried, then moved to the dead-letter queue),
 * and scheduled events go to ./handlers/scheduledEventHandler.
 */
import { createWorkerHandler } from "letsgo-worker/runtime";
import { handlers } from "./handlers";
import { scheduledEventHandler } from "./handlers/scheduledEventHandler";

export const handler = createWorkerHandler({
  handlers,
  scheduled: scheduledEventHandler,
});
