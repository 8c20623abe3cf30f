/**
 * Runs on the schedule in LETSGO_WORKER_SCHEDULE (default: every hour).
 * Fire it now with `npx letsgo-worker schedule run` while `dev` is running.
 * Throwing fails the run: in AWS, Lambda retries it twice, then its record goes to
 * the worker's dead-letter queue (see `letsgo-worker dlq list --aws`).
 */
import type { ScheduledEventHandler } from "letsgo-worker/runtime";

export const scheduledEventHandler: ScheduledEventHandler = async (event, context) => {
  console.log(`Scheduled event ${event.id} at ${event.time}: nothing to do yet.`);
};
