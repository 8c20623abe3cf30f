/**
 * Runs on the schedule in LETSGO_WORKER_SCHEDULE (default: every hour).
 * Fire it now with `npx letsgo-worker schedule run` while `dev` is running.
 * Throwing fails the run: Lambda retries it twice, then it goes to the dead-letter queue.
 */
import type { ScheduledEventHandler } from "letsgo-worker/runtime";

export const scheduledEventHandler: ScheduledEventHandler = async (event, context) => {
  console.log(`Scheduled event ${event.id} at ${event.time}: nothing to do yet.`);
};
