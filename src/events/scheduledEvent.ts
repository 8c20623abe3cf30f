/**
 * The event a scheduled run hands the worker. Deploy sets the schedule target's
 * Input to `schedulerTargetInput`, whose <aws.scheduler.*> context attributes
 * EventBridge Scheduler fills in; the local worker builds the same object with
 * `buildScheduledEvent`. One shape, defined here, in both places.
 */
import { randomBytes } from "node:crypto";
import type { ScheduledEvent } from "../runtime/types.js";
import { originAccount, workerScheduleArn, type EventOrigin } from "./origin.js";

export const SCHEDULER_CONTEXT = {
  scheduleArn: "<aws.scheduler.schedule-arn>",
  scheduledTime: "<aws.scheduler.scheduled-time>",
  executionId: "<aws.scheduler.execution-id>",
  attemptNumber: "<aws.scheduler.attempt-number>",
} as const;

interface ScheduledEventFields {
  id: string;
  time: string;
  scheduleArn: string;
}

function scheduledEventShape(origin: EventOrigin, fields: ScheduledEventFields): ScheduledEvent {
  return {
    version: "0",
    id: fields.id,
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    account: originAccount(origin),
    time: fields.time,
    region: origin.region,
    resources: [fields.scheduleArn],
    detail: "{}",
  };
}

/** The target Input (a JSON string) for the worker's schedule. */
export function schedulerTargetInput(origin: EventOrigin): string {
  return JSON.stringify(
    scheduledEventShape(origin, {
      id: SCHEDULER_CONTEXT.executionId,
      time: SCHEDULER_CONTEXT.scheduledTime,
      scheduleArn: SCHEDULER_CONTEXT.scheduleArn,
    }),
  );
}

export interface ScheduledEventInput {
  origin: EventOrigin;
  /** When the run was due (epoch ms or Date). */
  scheduledTime: number | Date;
  /** Default: a new one (newExecutionId). */
  executionId?: string;
}

export function buildScheduledEvent(input: ScheduledEventInput): ScheduledEvent {
  return scheduledEventShape(input.origin, {
    id: input.executionId ?? newExecutionId(),
    time: formatScheduledTime(input.scheduledTime),
    scheduleArn: workerScheduleArn(input.origin),
  });
}

/** An id as EventBridge Scheduler's <aws.scheduler.execution-id>: 16 hex digits ("d32c5kddcf5bb8c3" in its docs' style). */
export function newExecutionId(): string {
  return randomBytes(8).toString("hex");
}

/** ISO 8601 UTC to the second, as the scheduler writes scheduled-time ("2026-01-01T10:00:00Z"). */
export function formatScheduledTime(time: number | Date): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z");
}
