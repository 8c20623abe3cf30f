/**
 * `enqueue()`: check every message, pick the target by the one rule
 * (LETSGO_WORKER_QUEUE_URL → SQS, else the dev worker), send in batches, and
 * return the message ids in input order.
 */
import { DEFAULT_MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE_ENV } from "./constants.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./batches.js";
import { coalescingSender } from "./coalesce.js";
import { devTransport } from "./devTransport.js";
import { sendMessages } from "./send.js";
import { sqsTransport, type SqsClientConfig } from "./sqsTransport.js";
import { devTarget, resolveQueueTarget, sendsToSqs, sqsTarget, type QueueTarget } from "./target.js";
import type { Transport } from "./transport.js";
import { MessageValidationError } from "./errors.js";
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";
import { checkAttributes, checkDelaySeconds, checkMessage, type AttributeValue, type CheckedMessage, type OutgoingMessage } from "./validate.js";

export interface EnqueueOptions {
  /** 0-900 seconds before the messages become visible to the worker. */
  delaySeconds?: number;
  /**
   * SQS message attributes for every message of the call: a string value is an
   * SQS `String`, a number a `Number`. The worker's records carry them in
   * `messageAttributes`, in AWS and under `dev` alike.
   */
  attributes?: Record<string, AttributeValue>;
}

/** Send one message or any number; resolves with their ids in input order. */
export type Enqueue<M extends OutgoingMessage = OutgoingMessage> = (messages: M | readonly M[], options?: EnqueueOptions) => Promise<string[]>;

export interface QueueClientOptions {
  /** An SQS queue URL. Default: LETSGO_WORKER_QUEUE_URL, read on each call. */
  queueUrl?: string;
  /** The dev worker, used when there is no SQS queue URL. Default: LETSGO_LOCAL_QUEUE_URL, else http://localhost:3002. */
  localQueueUrl?: string;
  /** Where the defaults above are read. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Largest message body in bytes. Default: LETSGO_WORKER_MAX_MESSAGE_SIZE, else 1048576 (1 MiB). */
  maxMessageSize?: number;
  /** Attempts and backoff for transient failures. Default: 5 attempts over about 3 s. */
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at once for large arrays. Default 4. */
  concurrency?: number;
  /** More SQSClient settings, e.g. `{ profile }` or `{ credentials }`. */
  sqs?: SqsClientConfig;
  /**
   * What the project declares, generated from @letsgo/types by letsgo-worker
   * (packages/queue/payloadSchemas.ts): each message's type must be one of its
   * types and its payload fit its shape, and the project's name goes to a dev
   * worker, which refuses another project's messages.
   */
  payloadSchemas?: PayloadSchemas;
}

export interface QueueClient<M extends OutgoingMessage = OutgoingMessage> {
  enqueue: Enqueue<M>;
  /** Where the next call will send. */
  target(): QueueTarget;
  /** Release SDK clients (open sockets); the client can still be used afterwards. */
  close(): void;
}

export function createQueueClient<M extends OutgoingMessage = OutgoingMessage>(options: QueueClientOptions = {}): QueueClient<M> {
  const transports = new Map<string, Transport & { destroy?(): void }>();
  const env = () => options.env ?? process.env;

  const target = (): QueueTarget => {
    if (options.queueUrl) return sqsTarget(options.queueUrl, env(), "queueUrl");
    if (options.localQueueUrl && !sendsToSqs(env())) return devTarget(options.localQueueUrl, "localQueueUrl");
    return resolveQueueTarget(env());
  };

  const transportFor = (chosen: QueueTarget) => {
    const key = JSON.stringify(chosen);
    let transport = transports.get(key);
    if (!transport) {
      transport = chosen.kind === "sqs" ? sqsTransport(chosen, options.sqs) : devTransport(chosen, options.payloadSchemas?.project);
      transports.set(key, transport);
    }
    return transport;
  };

  // Calls made together share requests (coalesce.ts); the key holds all a request must share.
  const send = coalescingSender((key) => {
    const [chosen, delaySeconds, maxBatchBytes] = JSON.parse(key) as [QueueTarget, number, number];
    const transport = transportFor(chosen);
    const sendOptions = { delaySeconds, maxBatchBytes, retry: { ...DEFAULT_RETRY, ...options.retry }, concurrency: options.concurrency ?? 4 };
    return (messages) => sendMessages(transport, messages, sendOptions);
  });

  const enqueue: Enqueue<M> = async (input, enqueueOptions = {}) => {
    const many = Array.isArray(input);
    const list: readonly unknown[] = many ? (input as readonly unknown[]) : [input];
    const maxMessageSize = options.maxMessageSize ?? maxMessageSizeFrom(env());
    const delaySeconds = checkDelaySeconds(enqueueOptions.delaySeconds);
    // Every message is checked before the first is sent: a bad one sends nothing.
    const attributes = enqueueOptions.attributes === undefined ? undefined : checkAttributes(enqueueOptions.attributes, "attributes");
    const checked = list.map((message, index): CheckedMessage => {
      const label = many ? `messages[${index}]` : "message";
      const one = checkMessage(message, index, label, maxMessageSize, options.payloadSchemas);
      if (!attributes) return one;
      if (one.bytes + attributes.bytes > maxMessageSize) {
        throw new MessageValidationError(index, `${label} is ${one.bytes} bytes as JSON and its attributes ${attributes.bytes}; SQS counts both: at most ${maxMessageSize} bytes together.`);
      }
      return { ...one, bytes: one.bytes + attributes.bytes, attributes: attributes.attributes };
    });
    if (checked.length === 0) return [];
    const chosen = target();
    return send(JSON.stringify([chosen, delaySeconds, maxMessageSize]), checked);
  };

  return {
    enqueue,
    target,
    close() {
      for (const transport of transports.values()) transport.destroy?.();
      transports.clear();
    },
  };
}

function maxMessageSizeFrom(env: Record<string, string | undefined>): number {
  const value = Number(env[MAX_MESSAGE_SIZE_ENV]);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_SIZE;
}

let defaultClient: QueueClient | undefined;

/**
 * Send messages to the worker: to the SQS queue in LETSGO_WORKER_QUEUE_URL when
 * it is set, else to the dev worker (LETSGO_LOCAL_QUEUE_URL, default
 * http://localhost:3002). Read on each call.
 */
export const enqueue: Enqueue = (messages, options) => (defaultClient ??= createQueueClient()).enqueue(messages, options);
