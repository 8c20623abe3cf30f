/**
 * The EventBridge Scheduler group that holds the worker's schedule: it exists
 * exactly when a schedule is wanted. Created before the schedule, removed after it.
 */
import { arn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import type { DeployTarget } from "../target.js";
import { MISSING, tagList, type DeployedResource, type Learn } from "./resource.js";
import { schedule, scheduleWanted } from "./schedule.js";

export interface ScheduleGroupState {
  arn: string;
  /** ACTIVE or DELETING; unknown when the group was found through its schedule. */
  state?: string;
}

async function readGroup(aws: Aws, name: string): Promise<ScheduleGroupState | undefined> {
  const { GetScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
  const scheduler = await aws.client("scheduler");
  const out = await readOrUndefined(() => scheduler.send(new GetScheduleGroupCommand({ Name: name })), NOT_FOUND.resource);
  return out && { arn: out.Arn ?? "", state: out.State };
}

/**
 * A schedule lives in its group: when the plan wants a schedule and finds ours,
 * the group is there too, and the schedule's step needs no read of its own (one
 * call where there were two). No group holds no schedule.
 */
async function readGroupInPlan(aws: Aws, target: DeployTarget, learn: Learn): Promise<ScheduleGroupState | undefined> {
  if (scheduleWanted(target.settings)) {
    const held = await schedule.read(aws, target);
    learn(schedule, held);
    if (held) return { arn: scheduleGroup.arn(target) };
  }
  const group = await readGroup(aws, target.names.scheduleGroup);
  if (!group) learn(schedule, undefined);
  return group;
}

async function deleteGroup(aws: Aws, name: string): Promise<boolean> {
  // Asked first: an already deleted group is "done", and not every endpoint answers a clean 404 here.
  if (!(await readGroup(aws, name))) return false;
  const { DeleteScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
  const scheduler = await aws.client("scheduler");
  return deleteIfExists(() => scheduler.send(new DeleteScheduleGroupCommand({ Name: name })), NOT_FOUND.resource);
}

/** Nothing to configure: the group is wanted, or not. */
type DesiredGroup = Record<string, never>;

export const scheduleGroup = {
  id: "schedule-group",
  label: "Schedule group",
  keepsData: false,
  doing: { read: "reading the group", create: "CreateScheduleGroup", delete: "DeleteScheduleGroup" },
  name: (target: DeployTarget) => target.names.scheduleGroup,
  arn: (t: DeployTarget) =>
    arn({ partition: t.partition, service: "scheduler", region: t.region, account: t.account, resource: `schedule-group/${t.names.scheduleGroup}` }),
  read: (aws, target) => readGroup(aws, target.names.scheduleGroup),
  readInPlan: readGroupInPlan,
  desired: (target): DesiredGroup | undefined => (scheduleWanted(target.settings) ? {} : undefined),
  diff: () => [],

  async apply(aws, target, { action }) {
    const name = target.names.scheduleGroup;
    if (action === "delete") return void (await deleteGroup(aws, name));
    const { CreateScheduleGroupCommand } = await import("@aws-sdk/client-scheduler");
    await (await aws.client("scheduler")).send(new CreateScheduleGroupCommand({ Name: name, Tags: tagList(target.tags) }));
  },

  remove: (aws, target) => deleteGroup(aws, target.names.scheduleGroup),
  describe: (group) => (group ? { present: true, state: group.state, details: {} } : MISSING),
} satisfies DeployedResource<ScheduleGroupState, DesiredGroup>;
