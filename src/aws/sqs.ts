/**
 * The worker's queue and its dead-letter queue. Both are standard queues with
 * SQS-managed encryption; the queue's RedrivePolicy sends a message to the DLQ
 * after LETSGO_WORKER_MAX_RECEIVE_COUNT receives.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { SettingsError } from "../errors.js";
import type { Settings } from "../project/settings.js";
import type { Aws } from "./clients.js";
import { diffFields, parseJsonDocument, tagChanges, diffTags, type FieldChange } from "./diff.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

/** Messages wait longest in the DLQ: SQS keeps the original enqueue time when it moves them. */
export const DLQ_RETENTION_SECONDS = 1209600;

export interface QueueState {
  url: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

type Attributes = Record<string, string>;

/** Refuse a visibility timeout shorter than the function timeout; warn below AWS's advised 6×. */
export function checkQueueTiming(settings: Settings): string[] {
  const visibility = settings.LETSGO_WORKER_VISIBILITY_TIMEOUT;
  const timeout = settings.LETSGO_WORKER_FUNCTION_TIMEOUT;
  if (visibility < timeout) {
    throw new SettingsError(
      `LETSGO_WORKER_VISIBILITY_TIMEOUT (${visibility} s) is shorter than LETSGO_WORKER_FUNCTION_TIMEOUT (${timeout} s): ` +
        `messages would be delivered again while still being handled. Raise the visibility timeout to at least ${timeout} s (AWS advises ${timeout * 6} s).`,
    );
  }
  if (visibility < timeout * 6) {
    return [
      `LETSGO_WORKER_VISIBILITY_TIMEOUT (${visibility} s) is less than 6× LETSGO_WORKER_FUNCTION_TIMEOUT (${timeout} s); AWS advises at least ${timeout * 6} s so retries of a throttled batch do not overlap.`,
    ];
  }
  return [];
}

export function desiredQueueAttributes(target: DeployTarget): Attributes {
  const s = target.settings;
  return {
    VisibilityTimeout: String(s.LETSGO_WORKER_VISIBILITY_TIMEOUT),
    MessageRetentionPeriod: String(s.LETSGO_WORKER_MESSAGE_RETENTION),
    MaximumMessageSize: String(s.LETSGO_WORKER_MAX_MESSAGE_SIZE),
    ReceiveMessageWaitTimeSeconds: String(s.LETSGO_WORKER_RECEIVE_WAIT),
    DelaySeconds: "0",
    SqsManagedSseEnabled: "true",
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: target.arns.deadLetterQueue,
      maxReceiveCount: s.LETSGO_WORKER_MAX_RECEIVE_COUNT,
    }),
  };
}

export function desiredDlqAttributes(target: DeployTarget): Attributes {
  const s = target.settings;
  return {
    VisibilityTimeout: String(s.LETSGO_WORKER_VISIBILITY_TIMEOUT),
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    MaximumMessageSize: String(s.LETSGO_WORKER_MAX_MESSAGE_SIZE),
    SqsManagedSseEnabled: "true",
  };
}

/** Attribute values compared as AWS means them: RedrivePolicy as JSON with a numeric count. */
function normaliseAttributes(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = { ...attributes };
  if (attributes.RedrivePolicy !== undefined) {
    const policy = parseJsonDocument(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: unknown };
    out.RedrivePolicy = { deadLetterTargetArn: policy?.deadLetterTargetArn, maxReceiveCount: Number(policy?.maxReceiveCount) };
  }
  return out;
}

export function diffQueue(current: QueueState | undefined, desired: Attributes, tags: Record<string, string>): FieldChange[] {
  if (!current) return [];
  return [
    ...diffFields(normaliseAttributes(current.attributes), normaliseAttributes(desired)),
    ...tagChanges(current.tags, tags),
  ];
}

export async function readQueue(aws: Aws, name: string): Promise<QueueState | undefined> {
  const sqs = await aws.client("sqs");
  const { GetQueueUrlCommand, GetQueueAttributesCommand, ListQueueTagsCommand } = await import("@aws-sdk/client-sqs");
  let url: string;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  } catch (error) {
    if (isAwsError(error, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")) return undefined;
    throw error;
  }
  const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes ?? {};
  const tags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {};
  return { url, attributes, tags };
}

async function applyQueue(
  sqs: SQSClient,
  name: string,
  current: QueueState | undefined,
  desired: Attributes,
  tags: Record<string, string>,
): Promise<void> {
  const m = await import("@aws-sdk/client-sqs");
  if (!current) {
    await sqs.send(new m.CreateQueueCommand({ QueueName: name, Attributes: desired, tags }));
    return;
  }
  const normalisedCurrent = normaliseAttributes(current.attributes);
  const normalisedDesired = normaliseAttributes(desired);
  const changed: Attributes = {};
  for (const change of diffFields(normalisedCurrent, normalisedDesired)) changed[change.field] = desired[change.field]!;
  if (Object.keys(changed).length > 0) {
    await sqs.send(new m.SetQueueAttributesCommand({ QueueUrl: current.url, Attributes: changed }));
  }
  const { set, remove } = diffTags(current.tags, tags);
  if (Object.keys(set).length > 0) await sqs.send(new m.TagQueueCommand({ QueueUrl: current.url, Tags: set }));
  if (remove.length > 0) await sqs.send(new m.UntagQueueCommand({ QueueUrl: current.url, TagKeys: remove }));
}

async function planQueue(
  aws: Aws,
  target: DeployTarget,
  id: string,
  resource: string,
  name: string,
  desired: Attributes,
  notes: string[],
): Promise<PlannedStep> {
  const current = await inStep(resource, "reading the queue", () => readQueue(aws, name));
  const changes = diffQueue(current, desired, target.tags);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const step: PlannedStep = { id, resource, name, action, changes, notes };
  if (action !== "unchanged") {
    step.apply = () =>
      inStep(resource, action === "create" ? "CreateQueue" : "SetQueueAttributes", async () =>
        applyQueue(await aws.client("sqs"), name, current, desired, target.tags),
      );
  }
  return step;
}

export function planDeadLetterQueue(aws: Aws, target: DeployTarget): Promise<PlannedStep> {
  return planQueue(aws, target, "sqs-dlq", "SQS dead-letter queue", target.names.deadLetterQueue, desiredDlqAttributes(target), []);
}

export function planWorkQueue(aws: Aws, target: DeployTarget): Promise<PlannedStep> {
  const notes = checkQueueTiming(target.settings);
  return planQueue(aws, target, "sqs", "SQS queue", target.names.queue, desiredQueueAttributes(target), notes);
}

export async function deleteQueue(aws: Aws, name: string): Promise<boolean> {
  const current = await readQueue(aws, name);
  if (!current) return false;
  const { DeleteQueueCommand } = await import("@aws-sdk/client-sqs");
  await (await aws.client("sqs")).send(new DeleteQueueCommand({ QueueUrl: current.url }));
  return true;
}
