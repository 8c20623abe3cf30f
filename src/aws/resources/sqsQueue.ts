/**
 * What the work queue and its dead-letter queue share: standard queues with
 * SQS-managed encryption, found by their deterministic names (GetQueueUrl),
 * attributes compared as AWS means them. queue.ts and deadLetterQueue.ts say
 * which attributes each wants.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { queueArn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { diffFields, diffTags, parseJsonDocument, tagChanges, type FieldChange } from "../diff.js";
import { NOT_FOUND, readOrUndefined } from "../failure.js";
import { awsDomain, type DeployTarget } from "../target.js";
import type { DeployInputs, DeployedResource, ResourceView } from "./resource.js";

export type Attributes = Record<string, string>;

export interface QueueState {
  url: string;
  attributes: Attributes;
  tags: Record<string, string>;
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

export function diffQueue(current: QueueState | undefined, desired: Attributes | undefined, tags: Record<string, string>): FieldChange[] {
  if (!current || !desired) return [];
  return [...diffFields(normaliseAttributes(current.attributes), normaliseAttributes(desired)), ...tagChanges(current.tags, tags)];
}

/** The queue's URL as SQS reports it, or undefined when there is no such queue. */
export async function findQueueUrl(aws: Aws, name: string): Promise<string | undefined> {
  const { GetQueueUrlCommand } = await import("@aws-sdk/client-sqs");
  const sqs = await aws.client("sqs");
  return (await readOrUndefined(() => sqs.send(new GetQueueUrlCommand({ QueueName: name })), NOT_FOUND.queue))?.QueueUrl;
}

async function readQueue(aws: Aws, name: string): Promise<QueueState | undefined> {
  const url = await findQueueUrl(aws, name);
  if (url === undefined) return undefined;
  const sqs = await aws.client("sqs");
  const { GetQueueAttributesCommand, ListQueueTagsCommand } = await import("@aws-sdk/client-sqs");
  const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes ?? {};
  const tags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {};
  return { url, attributes, tags };
}

async function applyQueue(sqs: SQSClient, name: string, current: QueueState | undefined, desired: Attributes, tags: Record<string, string>): Promise<void> {
  const m = await import("@aws-sdk/client-sqs");
  if (!current) {
    await sqs.send(new m.CreateQueueCommand({ QueueName: name, Attributes: desired, tags }));
    return;
  }
  const changed: Attributes = {};
  for (const change of diffFields(normaliseAttributes(current.attributes), normaliseAttributes(desired))) changed[change.field] = desired[change.field]!;
  if (Object.keys(changed).length > 0) await sqs.send(new m.SetQueueAttributesCommand({ QueueUrl: current.url, Attributes: changed }));
  const { set, remove } = diffTags(current.tags, tags);
  if (Object.keys(set).length > 0) await sqs.send(new m.TagQueueCommand({ QueueUrl: current.url, Tags: set }));
  if (remove.length > 0) await sqs.send(new m.UntagQueueCommand({ QueueUrl: current.url, TagKeys: remove }));
}

export interface QueueSpec {
  id: string;
  label: string;
  name(target: DeployTarget): string;
  desired(target: DeployTarget): Attributes;
  check?(settings: DeployTarget["settings"]): string[];
  notes?(target: DeployTarget, inputs: DeployInputs): string[];
  describe(queue: QueueState | undefined): ResourceView;
}

/** A queue resource: the spec's name and attributes, the mechanics both queues share. The queue and its messages are data. */
export function sqsQueue(spec: QueueSpec) {
  const resource = {
    id: spec.id,
    label: spec.label,
    keepsData: true,
    doing: { read: "reading the queue", create: "CreateQueue", update: "SetQueueAttributes" },
    name: spec.name,
    arn: (t: DeployTarget) => queueArn(t.region, t.account, spec.name(t), t.partition),
    check: spec.check,
    notes: spec.notes,
    read: (aws, target) => readQueue(aws, spec.name(target)),
    desired: (target) => spec.desired(target),
    diff: (current, desired, target) => diffQueue(current, desired, target.tags),
    apply: async (aws, target, { current, desired }) => applyQueue(await aws.client("sqs"), spec.name(target), current, desired!, target.tags),

    /** The queue and the messages in it. */
    async remove(aws, target) {
      const url = await findQueueUrl(aws, spec.name(target));
      if (url === undefined) return false;
      const { DeleteQueueCommand } = await import("@aws-sdk/client-sqs");
      await (await aws.client("sqs")).send(new DeleteQueueCommand({ QueueUrl: url }));
      return true;
    },

    describe: spec.describe,
  } satisfies DeployedResource<QueueState, Attributes>;
  return {
    ...resource,
    /** The URL as AWS forms it, known before the queue exists. */
    url: (t: DeployTarget) => `https://sqs.${t.region}.${awsDomain(t.partition)}/${t.account}/${spec.name(t)}`,
  };
}

export type SqsQueueResource = ReturnType<typeof sqsQueue>;

/** Depths of a queue from its attributes. */
export function queueDepths(attributes: Attributes) {
  return {
    depth: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
