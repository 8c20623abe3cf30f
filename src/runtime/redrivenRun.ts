/**
 * A failed scheduled run that comes back through the queue. In AWS a scheduled
 * run that fails all of Lambda's attempts lands in the worker's DLQ as Lambda's
 * failure record (`requestPayload` = the scheduled event), and one Scheduler
 * could not deliver lands there as the scheduled event itself. Redriving the DLQ
 * sends either to the work queue; recognising them here turns a redrive into a
 * re-run of the scheduled handler instead of an "unknown message" failure.
 */
import { isScheduledEvent } from "./messageTypes.js";
import type { ScheduledEvent } from "./types.js";

/** The scheduled event inside an SQS body, if the body is a (failed) scheduled run. */
export function scheduledEventInBody(body: string): ScheduledEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  // A typed message is only ever a typed message: whatever else it carries, it
  // goes to its type's handler (neither AWS's failure record nor a scheduled
  // event has a `type`), so no message passes for a scheduled run.
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.hasOwn(value, "type")) return undefined;
  if (isScheduledEvent(value)) return value;
  const record = value as { requestContext?: unknown; requestPayload?: unknown } | null;
  if (record && typeof record === "object" && record.requestContext && isScheduledEvent(record.requestPayload)) {
    return record.requestPayload;
  }
  return undefined;
}
