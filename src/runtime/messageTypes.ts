/**
 * The kinds of input the worker recognises: LetsGo's own message types (user
 * message types must not use the `letsgo:` prefix) and scheduled runs.
 */
import type { ScheduledEvent } from "./types.js";

/** Message types LetsGo itself sends. */
export const ReservedMessageType = {
  Contact: "letsgo:contact",
  Stripe: "letsgo:stripe",
  TenantNew: "letsgo:tenant:new",
  TenantDeleted: "letsgo:tenant:deleted",
} as const;

export type ReservedMessageType = (typeof ReservedMessageType)[keyof typeof ReservedMessageType];

export const RESERVED_MESSAGE_TYPE_PREFIX = "letsgo:";

/** True for `letsgo:` types, which belong to LetsGo and must not be used for your own messages. */
export function isReservedMessageType(type: string): boolean {
  return type.startsWith(RESERVED_MESSAGE_TYPE_PREFIX);
}

/**
 * The probe `deploy --verify` sends through the deployed queue: the runtime
 * answers it itself with a report of its world (probe.ts). Not a
 * ReservedMessageType: apps never send it.
 */
export const PROBE_MESSAGE_TYPE = "letsgo:probe";

/**
 * The type `dev` gives a scheduled run that failed every attempt, in its
 * dead-letter queue. Its body is Lambda's failure record, which the worker
 * recognises by shape (scheduledEventInBody), not by this type: in AWS, DLQ
 * messages have no type. Not a ReservedMessageType: apps never send it.
 */
export const SCHEDULED_RUN_TYPE = "letsgo:scheduled-run";

/** The event EventBridge Scheduler delivers on a scheduled run. */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const candidate = event as Partial<ScheduledEvent> | null;
  return candidate?.source === "aws.scheduler" && candidate["detail-type"] === "Scheduled Event";
}
