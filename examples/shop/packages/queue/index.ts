/**
 * @letsgo/queue: how your app (an API route, a server action, a script) hands
 * work to the worker. The same call works locally and in AWS:
 *
 *   import { enqueue } from "@letsgo/queue";
 *   import { MessageType } from "@letsgo/types";
 *   const [id] = await enqueue({ type: MessageType.Contact, payload: { email, message } });
 *
 * Where messages go: LETSGO_WORKER_QUEUE_URL set (the deployed queue's URL,
 * printed by `letsgo-worker status`) → SQS; otherwise the dev worker at
 * LETSGO_LOCAL_QUEUE_URL (default http://localhost:3002). Typed with every
 * message declared in @letsgo/types; `add-message` keeps that list current.
 */
import type { WorkerMessage } from "@letsgo/types";
import { createQueueClient, createStripeWebhookHandler as createWebhookHandler, type Enqueue, type StripeWebhookHandlerOptions } from "letsgo-worker/queue";
import { payloadSchemas } from "./payloadSchemas";

/**
 * Checked against @letsgo/types before anything is sent (payloadSchemas.ts is
 * generated from them by letsgo-worker): a type the project does not declare,
 * or a payload that does not fit its interface, is refused here, saying what
 * to fix. Locally, the dev worker of another project is refused too.
 */
export const enqueue: Enqueue<WorkerMessage> = createQueueClient<WorkerMessage>({ payloadSchemas }).enqueue;

/** Stripe's webhooks for your API, forwarded to this project's dev worker locally, enqueued to SQS when deployed. */
export const createStripeWebhookHandler = (options: StripeWebhookHandlerOptions = {}) => createWebhookHandler({ project: payloadSchemas.project, ...options });

export { EnqueueError, MessageValidationError, toNodeHandler } from "letsgo-worker/queue";
