/**
 * `status`: each resource of the deployment (RESOURCES, src/aws/resources),
 * present or missing, with what its module shows; the queue's URL and ARN (what
 * an app sends to) and depths; the schedule and its next fire time; the image
 * the function runs. Also `status --sender-policy`: the IAM policy an app's
 * role needs to send to the queue. Reads only.
 */
import { parseScheduleSetting } from "../schedule/index.js";
import type { Aws } from "./clients.js";
import { awsFailureReason, isAwsFailure } from "./failure.js";
import { RESOURCES, deadLetterQueue, schedule, workQueue, workerFunction, type Resource } from "./resources/index.js";
import { findQueueUrl, queueDepths } from "./resources/sqsQueue.js";
import { senderPolicy, type SenderPolicyDocument } from "./senderPolicy.js";
import { withAws, type AwsCommandOptions } from "./session.js";
import type { DeployTarget } from "./target.js";

export interface ResourceStatus {
  resource: string;
  name: string;
  present: boolean;
  /** e.g. "Active", "Enabled", "ENABLED". */
  state?: string;
  details: Record<string, string | number | boolean>;
}

export interface DeploymentStatus {
  deployment: string;
  region: string;
  account: string;
  resources: ResourceStatus[];
  /** The work queue, when it exists: `url` as SQS reports it (the app's LETSGO_WORKER_QUEUE_URL). */
  queue?: { url: string; arn: string; depth: number; inFlight: number; delayed: number };
  deadLetterQueue?: { depth: number };
  schedule?: { expression: string; timezone: string; state?: string; nextFire?: string; description?: string };
  image?: string;
}

/** When the schedule fires next, by the same parser `dev` uses (Scheduler's API does not say). */
export function nextFireTime(expression: string, timezone: string, start: Date | undefined, now: Date): string | undefined {
  try {
    const schedule = parseScheduleSetting(expression, timezone, { start });
    return schedule?.next(now)?.toISOString();
  } catch {
    return undefined;
  }
}

/** Every resource status shows, read at once. */
async function readShown(aws: Aws, target: DeployTarget) {
  const shown = RESOURCES.filter((resource) => resource.describe !== undefined);
  const states = await Promise.all(shown.map((resource) => resource.read(aws, target)));
  const found = new Map<Resource<any>, unknown>(shown.map((resource, i) => [resource, states[i]]));
  return { shown, found: <C>(resource: Resource<C>) => found.get(resource) as C | undefined };
}

async function collect(aws: Aws, target: DeployTarget, now: Date): Promise<DeploymentStatus> {
  const { shown, found } = await readShown(aws, target);
  const resources = shown.map((resource): ResourceStatus => {
    const { present, state, details } = resource.describe!(found(resource), target);
    return { resource: resource.label, name: resource.name(target), present, ...(state !== undefined && { state }), details };
  });
  const status: DeploymentStatus = { deployment: target.deployment, region: target.region, account: target.account, resources };
  const queue = found(workQueue);
  const dlq = found(deadLetterQueue);
  const current = found(schedule);
  const fn = found(workerFunction);
  // The URL as SQS reports it (the queue's read used the one derived from its name).
  if (queue) status.queue = { url: (await findQueueUrl(aws, workQueue.name(target))) ?? queue.url, arn: workQueue.arn(target), ...queueDepths(queue.attributes) };
  if (dlq) status.deadLetterQueue = { depth: queueDepths(dlq.attributes).depth };
  if (current?.ScheduleExpression) {
    const timezone = current.ScheduleExpressionTimezone ?? "UTC";
    const start = current.modifiedAt ?? current.createdAt;
    status.schedule = {
      expression: current.ScheduleExpression,
      timezone,
      state: current.State,
      nextFire: (current.State as string | undefined) === "DISABLED" ? undefined : nextFireTime(current.ScheduleExpression, timezone, start, now),
    };
  }
  if (fn?.ImageUri) status.image = fn.ImageUri;
  return status;
}

export async function getStatus(options: AwsCommandOptions & { now?: Date }): Promise<DeploymentStatus> {
  return withAws(options, "Reading the deployment's status", ({ aws, target }) => collect(aws, target, options.now ?? new Date()));
}

export interface SenderPolicy {
  policy: SenderPolicyDocument;
  queue: { name: string; arn: string; region: string; account: string };
  /** Whether the queue exists now; undefined when SQS could not be asked (the policy does not depend on it). */
  exists: boolean | undefined;
  /** Why the existence check failed, when it did. */
  checkFailed?: string;
}

/** The policy comes from the identity alone (account, partition, region); the queue need not exist yet. */
export async function getSenderPolicy(options: AwsCommandOptions): Promise<SenderPolicy> {
  return withAws(options, "Writing the sender policy", async ({ aws, target }) => {
    const arn = workQueue.arn(target);
    const result: SenderPolicy = {
      policy: senderPolicy(arn),
      queue: { name: workQueue.name(target), arn, region: target.region, account: target.account },
      exists: undefined,
    };
    try {
      result.exists = (await findQueueUrl(aws, workQueue.name(target))) !== undefined;
    } catch (error) {
      if (!isAwsFailure(error)) throw error;
      result.checkFailed = awsFailureReason(error);
    }
    return result;
  });
}
