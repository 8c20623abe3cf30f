/**
 * The work queue: what the app sends to (LETSGO_WORKER_QUEUE_URL) and the
 * function consumes. Its RedrivePolicy sends a message to the dead-letter queue
 * after LETSGO_WORKER_MAX_RECEIVE_COUNT receives.
 */
import { checkQueueTiming, checkReceiveCount } from "../../project/settingRules.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { MISSING } from "./resource.js";
import { sqsQueue } from "./sqsQueue.js";

export const workQueue = sqsQueue({
  id: "sqs",
  label: "SQS queue",
  name: (target) => target.names.queue,
  check: (settings) => [...checkQueueTiming(settings), ...checkReceiveCount(settings)],
  notes: (target) => checkQueueTiming(target.settings),
  desired(target) {
    const s = target.settings;
    return {
      VisibilityTimeout: String(s.LETSGO_WORKER_VISIBILITY_TIMEOUT),
      MessageRetentionPeriod: String(s.LETSGO_WORKER_MESSAGE_RETENTION),
      MaximumMessageSize: String(s.LETSGO_WORKER_MAX_MESSAGE_SIZE),
      ReceiveMessageWaitTimeSeconds: String(s.LETSGO_WORKER_RECEIVE_WAIT),
      DelaySeconds: "0",
      SqsManagedSseEnabled: "true",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn(target), maxReceiveCount: s.LETSGO_WORKER_MAX_RECEIVE_COUNT }),
    };
  },
  describe: (queue) =>
    queue
      ? {
          present: true,
          details: {
            visibilityTimeout: Number(queue.attributes.VisibilityTimeout),
            retentionSeconds: Number(queue.attributes.MessageRetentionPeriod),
            maxReceiveCount: Number((JSON.parse(queue.attributes.RedrivePolicy ?? "{}") as { maxReceiveCount?: number }).maxReceiveCount ?? 0),
          },
        }
      : MISSING,
});
