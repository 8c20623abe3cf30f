/**
 * The dead-letter queue: where the work queue moves a message after too many
 * receives, and where failed scheduled runs end up (the async invoke config's
 * on-failure destination, the schedule's dead-letter config).
 */
import { DLQ_RETENTION_SECONDS } from "../../queue/constants.js";
import { MISSING } from "./resource.js";
import { sqsQueue } from "./sqsQueue.js";

export const deadLetterQueue = sqsQueue({
  id: "sqs-dlq",
  label: "SQS dead-letter queue",
  name: (target) => target.names.deadLetterQueue,
  desired(target) {
    const s = target.settings;
    return {
      VisibilityTimeout: String(s.LETSGO_WORKER_VISIBILITY_TIMEOUT),
      MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
      MaximumMessageSize: String(s.LETSGO_WORKER_MAX_MESSAGE_SIZE),
      SqsManagedSseEnabled: "true",
    };
  },
  describe: (dlq) => (dlq ? { present: true, details: { retentionSeconds: Number(dlq.attributes.MessageRetentionPeriod) } } : MISSING),
  // Tagged at creation for cost reports; found by name, never by tag, so a no-op
  // deploy spends no call re-reading them (15 reads in all).
  tagsKept: false,
});
