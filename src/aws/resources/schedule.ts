/**
 * The EventBridge Scheduler schedule that invokes the function. The expression
 * is validated by the same parser `dev` uses before AWS sees it (Scheduler
 * accepts some expressions it then never fires). The target's Input is the
 * Scheduled Event shape from src/events, so cloud and local agree. An empty
 * LETSGO_WORKER_SCHEDULE removes the schedule.
 */
import { schedulerTargetInput } from "../../events/index.js";
import { scheduleArn } from "../../project/names.js";
import type { Settings } from "../../project/settings.js";
import { parseScheduleSetting } from "../../schedule/index.js";
import type { Aws } from "../clients.js";
import { diffFields, type FieldChange } from "../diff.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import { retryWhileRoleNotReady } from "../retry.js";
import type { DeployTarget } from "../target.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { workerFunction } from "./function.js";
import { MISSING, type DeployedResource } from "./resource.js";
import { schedulerRole } from "./schedulerRole.js";

/**
 * Delivery only: Scheduler invokes the function asynchronously, so this policy
 * and the DeadLetterConfig cover a run Scheduler could not hand to Lambda
 * (throttled, function missing, no permission): retried as Scheduler's own
 * default policy retries (185 times within 24 h), then Scheduler's dead-letter
 * event goes to the worker's DLQ. A run whose handler throws is Lambda's to
 * retry: see asyncInvokeConfig.ts.
 */
export const SCHEDULE_RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

export interface DesiredSchedule {
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  FlexibleTimeWindow: { Mode: "OFF" };
  State: "ENABLED";
  Target: {
    Arn: string;
    RoleArn: string;
    Input: string;
    RetryPolicy: typeof SCHEDULE_RETRY_POLICY;
    DeadLetterConfig: { Arn: string };
  };
}

export interface ScheduleState extends Partial<DesiredSchedule> {
  arn?: string;
  createdAt?: Date;
  modifiedAt?: Date;
}

/** Whether the settings ask for a schedule at all. Throws a SettingsError on an invalid expression or zone. */
export function scheduleWanted(settings: Settings): boolean {
  return parseScheduleSetting(settings.LETSGO_WORKER_SCHEDULE.trim(), settings.LETSGO_WORKER_SCHEDULE_TIMEZONE) !== null;
}

/** The schedule we want, or undefined when LETSGO_WORKER_SCHEDULE is empty. Throws on an invalid expression. */
export function desiredSchedule(target: DeployTarget): DesiredSchedule | undefined {
  if (!scheduleWanted(target.settings)) return undefined;
  return {
    ScheduleExpression: target.settings.LETSGO_WORKER_SCHEDULE.trim(),
    ScheduleExpressionTimezone: target.settings.LETSGO_WORKER_SCHEDULE_TIMEZONE,
    FlexibleTimeWindow: { Mode: "OFF" },
    State: "ENABLED",
    Target: {
      Arn: workerFunction.arn(target),
      RoleArn: schedulerRole.arn(target),
      Input: schedulerTargetInput({ deployment: target.deployment, region: target.region, account: target.account }),
      RetryPolicy: SCHEDULE_RETRY_POLICY,
      DeadLetterConfig: { Arn: deadLetterQueue.arn(target) },
    },
  };
}

export function diffSchedule(current: ScheduleState | undefined, desired: DesiredSchedule | undefined): FieldChange[] {
  if (!current || !desired) return [];
  const { arn: _arn, createdAt: _c, modifiedAt: _m, ...rest } = current;
  const normalised = { ...rest, ScheduleExpressionTimezone: rest.ScheduleExpressionTimezone ?? "UTC" };
  const changes = diffFields(normalised as Record<string, unknown>, desired as unknown as Record<string, unknown>);
  // Show which part of the target changed rather than the whole object.
  return changes.flatMap((change) =>
    change.field === "Target"
      ? diffFields((current.Target ?? {}) as Record<string, unknown>, desired.Target as unknown as Record<string, unknown>).map((c) => ({
          ...c,
          field: `Target.${c.field}`,
        }))
      : [change],
  );
}

async function deleteSchedule(aws: Aws, target: DeployTarget): Promise<boolean> {
  const { DeleteScheduleCommand } = await import("@aws-sdk/client-scheduler");
  const scheduler = await aws.client("scheduler");
  return deleteIfExists(
    () => scheduler.send(new DeleteScheduleCommand({ Name: target.names.schedule, GroupName: target.names.scheduleGroup })),
    NOT_FOUND.resource,
  );
}

export const schedule = {
  id: "schedule",
  label: "Schedule",
  keepsData: false,
  doing: { read: "reading the schedule", create: "CreateSchedule", update: "UpdateSchedule", delete: "DeleteSchedule" },
  name: (target: DeployTarget) => `${target.names.scheduleGroup}/${target.names.schedule}`,
  arn: (t: DeployTarget) => scheduleArn(t.region, t.account, t.names.scheduleGroup, t.names.schedule, t.partition),
  check(settings: Settings): string[] {
    scheduleWanted(settings); // throws on an expression or time zone AWS would not take
    return [];
  },

  async read(aws, target) {
    const { GetScheduleCommand } = await import("@aws-sdk/client-scheduler");
    const scheduler = await aws.client("scheduler");
    const out = await readOrUndefined(
      () => scheduler.send(new GetScheduleCommand({ Name: target.names.schedule, GroupName: target.names.scheduleGroup })),
      NOT_FOUND.resource,
    );
    if (!out) return undefined;
    const t = out.Target;
    return {
      arn: out.Arn,
      createdAt: out.CreationDate,
      modifiedAt: out.LastModificationDate,
      ScheduleExpression: out.ScheduleExpression,
      ScheduleExpressionTimezone: out.ScheduleExpressionTimezone,
      FlexibleTimeWindow: out.FlexibleTimeWindow?.Mode === "OFF" ? { Mode: "OFF" } : (out.FlexibleTimeWindow as never),
      State: out.State as "ENABLED",
      Target: t && {
        Arn: t.Arn ?? "",
        RoleArn: t.RoleArn ?? "",
        Input: t.Input ?? "",
        RetryPolicy: t.RetryPolicy as typeof SCHEDULE_RETRY_POLICY,
        DeadLetterConfig: { Arn: t.DeadLetterConfig?.Arn ?? "" },
      },
    };
  },

  desired: (target) => desiredSchedule(target),
  diff: (current, desired) => diffSchedule(current, desired),
  notes: (target) => (scheduleWanted(target.settings) ? [] : ["LETSGO_WORKER_SCHEDULE is empty: no schedule."]),

  async apply(aws, target, { action, current, desired }) {
    if (action === "delete") return void (await deleteSchedule(aws, target));
    const scheduler = await aws.client("scheduler");
    const m = await import("@aws-sdk/client-scheduler");
    const input = {
      ...desired!,
      Name: target.names.schedule,
      GroupName: target.names.scheduleGroup,
      Description: `letsgo-worker (${target.deployment}): invokes ${target.names.function}`,
    };
    // Scheduler checks it can assume the role: a new role may need a moment.
    await retryWhileRoleNotReady(() => scheduler.send(current ? new m.UpdateScheduleCommand(input) : new m.CreateScheduleCommand(input)));
  },

  remove: deleteSchedule,

  describe: (current) =>
    current
      ? { present: true, state: current.State, details: { expression: current.ScheduleExpression ?? "", timezone: current.ScheduleExpressionTimezone ?? "UTC" } }
      : MISSING,
} satisfies DeployedResource<ScheduleState, DesiredSchedule>;
