/**
 * The work queue: what the app sends to (LETSGO_WORKER_QUEUE_URL) and the
 * function consumes. Its RedrivePolicy sends a message to the dead-letter queue
 * after LETSGO_WORKER_MAX_RECEIVE_COUNT receives.
 */
import { SettingsError } from "../../errors.js";
import type { Settings } from "../../project/settings.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { MISSING } from "./resource.js";
import { sqsQueue } from "./sqsQueue.js";

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

export const workQueue = sqsQueue({
  id: "sqs",
  label: "SQS queue",
  name: (target) => target.names.queue,
  check: checkQueueTiming,
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
