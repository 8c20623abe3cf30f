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
import { createQueueClient, type Enqueue } from "letsgo-worker/queue";
import { payloadSchemas } from "./payloadSchemas";

/**
 * Payloads are checked against their interfaces in @letsgo/types before they
 * are sent (payloadSchemas.ts is generated from them by letsgo-worker), so a
 * bad one is refused here, with the field and the type it should have.
 */
export const enqueue: Enqueue<WorkerMessage> = createQueueClient<WorkerMessage>({ payloadSchemas }).enqueue;

export { createStripeWebhookHandler, EnqueueError, MessageValidationError, toNodeHandler } from "letsgo-worker/queue";
