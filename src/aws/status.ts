/**
 * `status`: each resource of the deployment, present or missing, with its key
 * settings; the queue's URL and ARN (what an app sends to) and depths; the
 * schedule and its next fire time; the image the function runs. Also
 * `status --sender-policy`: the IAM policy an app's role needs to send to the
 * queue. Reads only.
 */
import { parseScheduleSetting } from "../schedule/index.js";
import { readAsyncInvoke } from "./asyncInvoke.js";
import type { Aws } from "./clients.js";
import { readRepository } from "./ecr.js";
import { readMapping } from "./eventSourceMapping.js";
import { awsFailureReason, isAwsFailure } from "./failure.js";
import { readRole } from "./iam.js";
import { readFunction } from "./lambda.js";
import { readSchedule, readScheduleGroup } from "./scheduler.js";
import { senderPolicy, type SenderPolicyDocument } from "./senderPolicy.js";
import { readQueue } from "./sqs.js";
import { withAws, type AwsCommandOptions } from "./session.js";
import { readSecrets } from "./ssm.js";
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

function queueDepths(attributes: Record<string, string>) {
  return {
    depth: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
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

async function collect(aws: Aws, target: DeployTarget, now: Date): Promise<DeploymentStatus> {
  const n = target.names;
  const [repo, secrets, fnRole, schedRole, dlq, queue, fn, asyncInvoke, mapping, group, schedule] = await Promise.all([
    readRepository(aws, n.repository),
    readSecrets(aws, n.ssmPrefix),
    readRole(aws, n.functionRole),
    readRole(aws, n.schedulerRole),
    readQueue(aws, n.deadLetterQueue),
    readQueue(aws, n.queue),
    readFunction(aws, n.function),
    readAsyncInvoke(aws, n.function),
    readMapping(aws, target),
    readScheduleGroup(aws, n.scheduleGroup),
    readSchedule(aws, target),
  ]);
  const resources: ResourceStatus[] = [
    { resource: "ECR repository", name: n.repository, present: !!repo, details: repo ? { uri: repo.uri, scanOnPush: repo.scanOnPush } : {} },
    {
      resource: "SSM secrets",
      name: n.ssmPrefix,
      present: Object.keys(secrets).length > 0,
      // No secret-looking values in .env means no parameters: nothing is missing.
      state: Object.keys(secrets).length > 0 ? undefined : "none",
      details: { keys: Object.keys(secrets).sort().join(", ") },
    },
    { resource: "IAM function role", name: n.functionRole, present: !!fnRole, details: fnRole ? { arn: fnRole.arn } : {} },
    { resource: "IAM scheduler role", name: n.schedulerRole, present: !!schedRole, details: schedRole ? { arn: schedRole.arn } : {} },
    {
      resource: "SQS dead-letter queue",
      name: n.deadLetterQueue,
      present: !!dlq,
      details: dlq ? { retentionSeconds: Number(dlq.attributes.MessageRetentionPeriod) } : {},
    },
    {
      resource: "SQS queue",
      name: n.queue,
      present: !!queue,
      details: queue
        ? {
            visibilityTimeout: Number(queue.attributes.VisibilityTimeout),
            retentionSeconds: Number(queue.attributes.MessageRetentionPeriod),
            maxReceiveCount: Number((JSON.parse(queue.attributes.RedrivePolicy ?? "{}") as { maxReceiveCount?: number }).maxReceiveCount ?? 0),
          }
        : {},
    },
    {
      resource: "Lambda function",
      name: n.function,
      present: !!fn,
      state: fn ? [fn.state, fn.lastUpdateStatus].filter(Boolean).join(" / ") : undefined,
      details: fn
        ? { memoryMb: fn.MemorySize ?? 0, timeoutSeconds: fn.Timeout ?? 0, architecture: fn.Architectures?.join(",") ?? "", ephemeralStorageMb: fn.EphemeralStorage?.Size ?? 0 }
        : {},
    },
    {
      resource: "Lambda async invoke config",
      name: n.function,
      present: !!asyncInvoke,
      details: asyncInvoke
        ? {
            retries: asyncInvoke.MaximumRetryAttempts ?? 2,
            maxEventAgeSeconds: asyncInvoke.MaximumEventAgeInSeconds ?? 21600,
            onFailure: asyncInvoke.OnFailure?.split(":").pop() ?? "none",
          }
        : {},
    },
    {
      resource: "Event source mapping",
      name: `${n.queue} → ${n.function}`,
      present: !!mapping,
      state: mapping?.state,
      details: mapping
        ? {
            batchSize: mapping.BatchSize ?? 0,
            batchingWindowSeconds: mapping.MaximumBatchingWindowInSeconds ?? 0,
            maxConcurrency: mapping.ScalingConfig?.MaximumConcurrency ?? 0,
            reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes("ReportBatchItemFailures"),
          }
        : {},
    },
    { resource: "Schedule group", name: n.scheduleGroup, present: !!group, state: group?.state, details: {} },
    {
      resource: "Schedule",
      name: `${n.scheduleGroup}/${n.schedule}`,
      present: !!schedule,
      state: schedule?.State,
      details: schedule ? { expression: schedule.ScheduleExpression ?? "", timezone: schedule.ScheduleExpressionTimezone ?? "UTC" } : {},
    },
  ];
  const status: DeploymentStatus = { deployment: target.deployment, region: target.region, account: target.account, resources };
  if (queue) status.queue = { url: queue.url, arn: target.arns.queue, ...queueDepths(queue.attributes) };
  if (dlq) status.deadLetterQueue = { depth: queueDepths(dlq.attributes).depth };
  if (schedule?.ScheduleExpression) {
    const timezone = schedule.ScheduleExpressionTimezone ?? "UTC";
    const start = schedule.modifiedAt ?? schedule.createdAt;
    status.schedule = {
      expression: schedule.ScheduleExpression,
      timezone,
      state: schedule.State,
      nextFire: (schedule.State as string | undefined) === "DISABLED" ? undefined : nextFireTime(schedule.ScheduleExpression, timezone, start, now),
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
    const result: SenderPolicy = {
      policy: senderPolicy(target.arns.queue),
      queue: { name: target.names.queue, arn: target.arns.queue, region: target.region, account: target.account },
      exists: undefined,
    };
    try {
      result.exists = (await readQueue(aws, target.names.queue)) !== undefined;
    } catch (error) {
      if (!isAwsFailure(error)) throw error;
      result.checkFailed = awsFailureReason(error);
    }
    return result;
  });
}
