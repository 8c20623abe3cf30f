/**
 * letsgo-worker/queue: what the app's own code (an API route, a server action,
 * a script) uses to hand work to the worker. Node built-ins only; the AWS SDK's
 * SQS client is loaded on the first send to SQS.
 */
export { createQueueClient, enqueue, type Enqueue, type EnqueueOptions, type QueueClient, type QueueClientOptions } from "./enqueue.js";
export { type OutgoingMessage } from "./validate.js";
export type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./batches.js";
export { describeTarget, parseSqsQueueUrl, resolveQueueTarget, type DevTarget, type QueueTarget, type SqsTarget } from "./target.js";
export {
  DEFAULT_LOCAL_QUEUE_URL,
  DEFAULT_MAX_MESSAGE_SIZE,
  LOCAL_QUEUE_URL_ENV,
  MAX_BATCH_ENTRIES,
  MAX_DELAY_SECONDS,
  QUEUE_URL_ENV,
} from "./constants.js";
export {
  EnqueueError,
  MessageValidationError,
  QueueConfigError,
  QueueError,
  type AcceptedMessage,
  type FailedMessage,
} from "./errors.js";
export {
  createStripeWebhookHandler,
  stripeMessage,
  toNodeHandler,
  type StripeEnqueueResult,
  type StripeWebhookHandlerOptions,
  type WebHandler,
} from "./stripeWebhook.js";
