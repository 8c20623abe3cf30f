/**
 * The deployed queue and DLQ from the command line: finding the queue for
 * `enqueue --aws` (which sends with letsgo-worker/queue), and
 * `dlq list | redrive | purge --aws`. Queues are found by their deterministic
 * names (GetQueueUrl), never by listing and filtering.
 */
import { ProjectError, ServiceError, errorMessage } from "../errors.js";
import type { Aws } from "./clients.js";
import { deadLetterQueue, workQueue } from "./resources/index.js";
import { findQueueUrl, type SqsQueueResource } from "./resources/sqsQueue.js";
import { withAws, type AwsCommandOptions } from "./session.js";
import type { DeployTarget } from "./target.js";

export interface QueueMessage {
  type: string;
  payload: unknown;
}

/** A queue of the deployment by its name; a ProjectError when it does not exist (not deployed, or another region). */
async function queueUrl(aws: Aws, target: DeployTarget, queue: SqsQueueResource): Promise<string> {
  const name = queue.name(target);
  const url = await findQueueUrl(aws, name);
  if (url === undefined) {
    throw new ProjectError(
      `The queue ${name} does not exist in ${target.region} (account ${target.account}). Run \`letsgo-worker deploy\` first, or check --region / LETSGO_DEPLOYMENT.`,
    );
  }
  return url;
}

function withTarget<T>(options: AwsCommandOptions, run: (aws: Aws, target: DeployTarget) => Promise<T>): Promise<T> {
  return withAws(options, "SQS", ({ aws, target }) => run(aws, target));
}

/** The deployed work queue's URL (by its name, GetQueueUrl) and the region it is in, for `enqueue --aws`. */
export async function findDeployedQueue(options: AwsCommandOptions): Promise<{ queueUrl: string; region: string }> {
  return withTarget(options, async (aws, target) => ({ queueUrl: await queueUrl(aws, target, workQueue), region: target.region }));
}

export interface DlqMessage {
  messageId: string;
  body: string;
  /** The body parsed as `{type, payload}` when it is one. */
  message?: QueueMessage;
  receiveCount: number;
  sentAt?: string;
}

export interface DlqListing {
  queueUrl: string;
  /** SQS's approximate count of visible messages. */
  approximateCount: number;
  messages: DlqMessage[];
}

function parseBody(body: string): QueueMessage | undefined {
  try {
    const value = JSON.parse(body) as Partial<QueueMessage>;
    return value && typeof value === "object" && typeof value.type === "string" ? { type: value.type, payload: value.payload } : undefined;
  } catch {
    return undefined;
  }
}

/** The deployed DLQ, found by name, with an SQS client and SQS's count of its messages. */
async function openDlq(aws: Aws, target: DeployTarget) {
  const url = await queueUrl(aws, target, deadLetterQueue);
  const sqs = await aws.client("sqs");
  const m = await import("@aws-sdk/client-sqs");
  const attributes = await sqs.send(new m.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return { url, sqs, m, approximateCount: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) };
}

/**
 * Peek at the DLQ: messages are received with a zero visibility timeout, so
 * they stay where they are. SQS returns a sample, not necessarily all of them.
 */
export async function listDeployedDlq(options: AwsCommandOptions & { max?: number }): Promise<DlqListing> {
  const max = options.max ?? 50;
  return withTarget(options, async (aws, target) => {
    const { url, sqs, m, approximateCount } = await openDlq(aws, target);
    const seen = new Map<string, DlqMessage>();
    for (let round = 0; round < Math.ceil(max / 10) + 3 && seen.size < max; round++) {
      const out = await sqs.send(
        new m.ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - seen.size),
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      const fresh = (out.Messages ?? []).filter((msg) => msg.MessageId && !seen.has(msg.MessageId));
      if (fresh.length === 0) break;
      for (const msg of fresh) {
        const body = msg.Body ?? "";
        const sent = msg.Attributes?.SentTimestamp;
        seen.set(msg.MessageId!, {
          messageId: msg.MessageId!,
          body,
          message: parseBody(body),
          receiveCount: Number(msg.Attributes?.ApproximateReceiveCount ?? 0),
          sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
        });
      }
    }
    return { queueUrl: url, approximateCount, messages: [...seen.values()] };
  });
}

/** Move every DLQ message back to the work queue with SQS's message move task. */
export async function redriveDeployedDlq(
  options: AwsCommandOptions & { maxPerSecond?: number },
): Promise<{ taskHandle: string; sourceArn: string; destinationArn: string; approximateCount: number }> {
  return withTarget(options, async (aws, target) => {
    const { sqs, m, approximateCount } = await openDlq(aws, target);
    await queueUrl(aws, target, workQueue);
    let out;
    try {
      out = await sqs.send(
        new m.StartMessageMoveTaskCommand({
          SourceArn: deadLetterQueue.arn(target),
          DestinationArn: workQueue.arn(target),
          MaxNumberOfMessagesPerSecond: options.maxPerSecond,
        }),
      );
    } catch (error) {
      // The SDK's first line is the reason; a non-SQS reply (an emulator's HTML error page) adds a "Deserialization error" line we drop.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new ServiceError(
        `Could not start the SQS message move task from ${deadLetterQueue.name(target)} to ${workQueue.name(target)}` +
          `${status ? ` (HTTP ${status})` : ""}: ${errorMessage(error).split("\n")[0]}\n` +
          "A move task may already be running (only one per queue), or the endpoint does not support StartMessageMoveTask.",
        { cause: error },
      );
    }
    return {
      taskHandle: out.TaskHandle ?? "",
      sourceArn: deadLetterQueue.arn(target),
      destinationArn: workQueue.arn(target),
      approximateCount,
    };
  });
}

export interface PurgeTarget {
  queueName: string;
  queueUrl: string;
  region: string;
  account: string;
  approximateCount: number;
}

/**
 * Delete every message in the DLQ (SQS allows one purge per queue per 60 s).
 * `confirm` is asked once the queue is found and counted; false cancels.
 */
export async function purgeDeployedDlq(
  options: AwsCommandOptions & { confirm?: (about: PurgeTarget) => Promise<boolean> },
): Promise<{ queueUrl: string; approximateCount: number; cancelled?: boolean }> {
  return withTarget(options, async (aws, target) => {
    const { url, sqs, m, approximateCount } = await openDlq(aws, target);
    const about = { queueName: deadLetterQueue.name(target), queueUrl: url, region: target.region, account: target.account, approximateCount };
    if (options.confirm && !(await options.confirm(about))) return { queueUrl: url, approximateCount, cancelled: true };
    await sqs.send(new m.PurgeQueueCommand({ QueueUrl: url }));
    return { queueUrl: url, approximateCount };
  });
}
