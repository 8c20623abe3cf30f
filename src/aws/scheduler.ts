/**
 * The EventBridge Scheduler group and schedule that invoke the function. The
 * expression is validated by the same parser `dev` uses before AWS sees it
 * (Scheduler accepts some expressions it then never fires). The target's Input
 * is the Scheduled Event shape from src/events, so cloud and local agree. An
 * empty LETSGO_WORKER_SCHEDULE removes the schedule.
 */
import { schedulerTargetInput } from "../events/index.js";
import { parseScheduleSetting } from "../schedule/index.js";
import type { Aws } from "./clients.js";
import { diffFields, type FieldChange } from "./diff.js";
import { retryWhileRoleNotReady } from "./retry.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

/**
 * Delivery only: Scheduler invokes the function asynchronously, so this policy
 * and the DeadLetterConfig cover a run Scheduler could not hand to Lambda
 * (throttled, function missing, no permission): retried within the hour, then
 * Scheduler's dead-letter event goes to the worker's DLQ. A run whose handler
 * throws is Lambda's to retry: see src/aws/asyncInvoke.ts.
 */
export const SCHEDULE_RETRY_POLICY = { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 };

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

/** The schedule we want, or undefined when LETSGO_WORKER_SCHEDULE is empty. Throws on an invalid expression. */
export function desiredSchedule(target: DeployTarget): DesiredSchedule | undefined {
  const expression = target.settings.LETSGO_WORKER_SCHEDULE.trim();
  const timezone = target.settings.LETSGO_WORKER_SCHEDULE_TIMEZONE;
  if (!parseScheduleSetting(expression, timezone)) return undefined;
  return {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timezone,
    FlexibleTimeWindow: { Mode: "OFF" },
    State: "ENABLED",
    Target: {
      Arn: target.arns.function,
      RoleArn: target.arns.schedulerRole,
      Input: schedulerTargetInput({ deployment: target.deployment, region: target.region, account: target.account }),
      RetryPolicy: SCHEDULE_RETRY_POLICY,
      DeadLetterConfig: { Arn: target.arns.deadLetterQueue },
    },
  };
}

export function diffSchedule(current: ScheduleState | undefined, desired: DesiredSchedule): FieldChange[] {
  if (!current) return [];
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

export async function readScheduleGroup(aws: Aws, name: string): Promise<{ arn: string; state?: string } | undefined> {
  const { GetScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
  try {
    const out = await (await aws.client("scheduler")).send(new GetScheduleGroupCommand({ Name: name }));
    return { arn: out.Arn ?? "", state: out.State };
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
}

export async function readSchedule(aws: Aws, target: DeployTarget): Promise<ScheduleState | undefined> {
  const { GetScheduleCommand } = await import("@aws-sdk/client-scheduler");
  let out;
  try {
    out = await (await aws.client("scheduler")).send(new GetScheduleCommand({ Name: target.names.schedule, GroupName: target.names.scheduleGroup }));
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
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
}

export async function planScheduleGroup(aws: Aws, target: DeployTarget, wanted: boolean): Promise<PlannedStep> {
  const resource = "Schedule group";
  const name = target.names.scheduleGroup;
  const current = await inStep(resource, "reading the group", () => readScheduleGroup(aws, name));
  const action = wanted ? (current ? "unchanged" : "create") : current ? "delete" : "absent";
  const step: PlannedStep = { id: "schedule-group", resource, name, action, changes: [], notes: [] };
  if (action === "create") {
    step.apply = () =>
      inStep(resource, "CreateScheduleGroup", async () => {
        const { CreateScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
        const Tags = Object.entries(target.tags).map(([Key, Value]) => ({ Key, Value }));
        await (await aws.client("scheduler")).send(new CreateScheduleGroupCommand({ Name: name, Tags }));
      });
  } else if (action === "delete") {
    step.apply = () => inStep(resource, "DeleteScheduleGroup", async () => void (await deleteScheduleGroup(aws, name)));
  }
  return step;
}

export async function planSchedule(aws: Aws, target: DeployTarget, desired: DesiredSchedule | undefined): Promise<PlannedStep> {
  const resource = "Schedule";
  const name = `${target.names.scheduleGroup}/${target.names.schedule}`;
  const current = await inStep(resource, "reading the schedule", () => readSchedule(aws, target));
  if (!desired) {
    const step: PlannedStep = { id: "schedule", resource, name, action: current ? "delete" : "absent", changes: [], notes: ["LETSGO_WORKER_SCHEDULE is empty: no schedule."] };
    if (current) step.apply = () => inStep(resource, "DeleteSchedule", async () => void (await deleteSchedule(aws, target)));
    return step;
  }
  const changes = diffSchedule(current, desired);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const step: PlannedStep = { id: "schedule", resource, name, action, changes, notes: [] };
  if (action !== "unchanged") {
    step.apply = () =>
      inStep(resource, action === "create" ? "CreateSchedule" : "UpdateSchedule", async () => {
        const scheduler = await aws.client("scheduler");
        const m = await import("@aws-sdk/client-scheduler");
        const input = {
          ...desired,
          Name: target.names.schedule,
          GroupName: target.names.scheduleGroup,
          Description: `letsgo-worker (${target.deployment}): invokes ${target.names.function}`,
        };
        // Scheduler checks it can assume the role: a new role may need a moment.
        await retryWhileRoleNotReady(() =>
          scheduler.send(current ? new m.UpdateScheduleCommand(input) : new m.CreateScheduleCommand(input)),
        );
      });
  }
  return step;
}

export async function deleteSchedule(aws: Aws, target: DeployTarget): Promise<boolean> {
  const { DeleteScheduleCommand } = await import("@aws-sdk/client-scheduler");
  try {
    await (await aws.client("scheduler")).send(new DeleteScheduleCommand({ Name: target.names.schedule, GroupName: target.names.scheduleGroup }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}

export async function deleteScheduleGroup(aws: Aws, name: string): Promise<boolean> {
  const { DeleteScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
  // Asked first: an already deleted group is "done", and not every endpoint answers a clean 404 here.
  if (!(await readScheduleGroup(aws, name))) return false;
  try {
    await (await aws.client("scheduler")).send(new DeleteScheduleGroupCommand({ Name: name }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}
