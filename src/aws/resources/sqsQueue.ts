/**
 * What the work queue and its dead-letter queue share: standard queues with
 * SQS-managed encryption, read at the URL their deterministic names give (no
 * GetQueueUrl: the attributes' read says whether the queue exists), attributes
 * compared as AWS means them. queue.ts and deadLetterQueue.ts say which
 * attributes each wants.
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
  /** The URL derived from the queue's name (what the function's LETSGO_WORKER_QUEUE_URL holds). */
  url: string;
  attributes: Attributes;
  /** Undefined when the queue's tags are not read (see QueueSpec.tagsKept). */
  tags: Record<string, string> | undefined;
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
  const attributes = diffFields(normaliseAttributes(current.attributes), normaliseAttributes(desired));
  return current.tags === undefined ? attributes : [...attributes, ...tagChanges(current.tags, tags)];
}

/** The queue's URL as SQS reports it, or undefined when there is no such queue. */
export async function findQueueUrl(aws: Aws, name: string): Promise<string | undefined> {
  const { GetQueueUrlCommand } = await import("@aws-sdk/client-sqs");
  const sqs = await aws.client("sqs");
  return (await readOrUndefined(() => sqs.send(new GetQueueUrlCommand({ QueueName: name })), NOT_FOUND.queue))?.QueueUrl;
}

/** The queue at `url` (derived from its name), or undefined when SQS says there is no such queue. */
async function readQueue(aws: Aws, url: string, readTags: boolean): Promise<QueueState | undefined> {
  const sqs = await aws.client("sqs");
  const { GetQueueAttributesCommand, ListQueueTagsCommand } = await import("@aws-sdk/client-sqs");
  const read = await readOrUndefined(() => sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })), NOT_FOUND.queue);
  if (!read) return undefined;
  const tags = readTags ? ((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {}) : undefined;
  return { url, attributes: read.Attributes ?? {}, tags };
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
  if (current.tags === undefined) return;
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
  /**
   * Default true: deploy reads the queue's tags and puts back any removed or
   * changed by hand. False: tagged when created, not read again (one call less on
   * every deploy, for a queue whose tags nothing depends on).
   */
  tagsKept?: boolean;
}

/** A queue resource: the spec's name and attributes, the mechanics both queues share. The queue and its messages are data. */
export function sqsQueue(spec: QueueSpec) {
  /** The URL as AWS forms it, known before the queue exists. */
  const url = (t: DeployTarget) => `https://sqs.${t.region}.${awsDomain(t.partition)}/${t.account}/${spec.name(t)}`;
  const resource = {
    id: spec.id,
    label: spec.label,
    keepsData: true,
    doing: { read: "reading the queue", create: "CreateQueue", update: "SetQueueAttributes" },
    name: spec.name,
    arn: (t: DeployTarget) => queueArn(t.region, t.account, spec.name(t), t.partition),
    check: spec.check,
    notes: spec.notes,
    read: (aws, target) => readQueue(aws, url(target), spec.tagsKept !== false),
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
  return { ...resource, url };
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
