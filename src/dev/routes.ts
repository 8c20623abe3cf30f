/** The dev worker's HTTP API. Every route is one `router.add`. */
import { HttpError, Router } from "./http.js";
import { IntakeError, parseDelaySeconds, parseIntake, type IntakeOptions } from "./intake.js";
import type { RequestGuard } from "./requestGuard.js";
import type { NewMessage, QueueMessage, QueueStats } from "./messageQueue.js";
import type { ScheduledRunOutcome } from "./scheduledRuns.js";
import type { EnqueueOnceResult } from "./store.js";
import { createStripeWebhookHandler } from "../queue/stripeWebhook.js";

/** What the routes need from the worker. */
export interface QueueService {
  maxMessageSize: number;
  /** Resolves once the messages are durable on disk. */
  enqueue(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  /** Enqueue unless `key` was enqueued before; durable before it resolves. */
  enqueueOnce(message: NewMessage, key: string): Promise<EnqueueOnceResult>;
  /** STRIPE_WEBHOOK_SECRET ("" when not set). */
  stripeSecret: string;
  /** Told about each verified Stripe delivery, enqueued or not (for the log). */
  stripeReceived(delivery: StripeDelivery): void;
  /** Run the scheduled handler now. */
  runScheduled(): Promise<ScheduledRunOutcome>;
  stats(): QueueStats;
  listDead(): QueueMessage[];
  /** Resolves with how many moved once that is durable on disk. */
  redrive(ids?: string[]): Promise<number>;
  /** Resolves with how many were deleted once that is durable on disk. */
  purge(): Promise<number>;
  /** `ok: false` (the journal cannot be written) answers 503. */
  health(): Record<string, unknown>;
}

export interface StripeDelivery {
  eventId: string;
  type: string;
  duplicate: boolean;
  /** The enqueued letsgo:stripe message (absent for a duplicate). */
  messageId?: string;
}

export interface DeadMessageView {
  messageId: string;
  type: string;
  body: string;
  receiveCount: number;
  lastError: string | null;
  sentAt: string;
  deadAt: string | null;
}

export function deadMessageView(m: QueueMessage): DeadMessageView {
  return {
    messageId: m.id,
    type: m.type,
    body: m.body,
    receiveCount: m.receiveCount,
    lastError: m.lastError ?? null,
    sentAt: new Date(m.sentAt).toISOString(),
    deadAt: m.deadAt ? new Date(m.deadAt).toISOString() : null,
  };
}

export function buildRouter(service: QueueService, guard?: RequestGuard): Router {
  const router = new Router(guard);
  router.add("POST", "/", async (request) => {
    // Room for JSON escaping of SQS-shaped bodies; the real limits are checked per message.
    const raw = await request.body(service.maxMessageSize * 2 + 64 * 1024);
    const delaySeconds = intakeChecked(() => parseDelaySeconds(request.query.get("delaySeconds")));
    const messages = intake(raw.toString("utf8"), service.maxMessageSize);
    const messageIds = await service.enqueue(messages, delaySeconds);
    return { status: 201, body: { messageIds } };
  });
  router.add("POST", "/schedule", async () => {
    const { ok, ...run } = await service.runScheduled();
    return ok ? { status: 200, body: { ok: true, ...run } } : { status: 500, body: run };
  });
  // The same handler an app mounts for Stripe (letsgo-worker/queue), enqueueing here once per event id.
  const stripeWebhook = createStripeWebhookHandler({
    secret: service.stripeSecret,
    maxBodyBytes: service.maxMessageSize + 64 * 1024,
    async enqueue(message) {
      const [checked] = intake(JSON.stringify(message), service.maxMessageSize, { verifiedStripe: true });
      const { id: eventId, type } = message.payload;
      const result = await service.enqueueOnce(checked!, `stripe:${eventId}`);
      service.stripeReceived({ eventId, type, duplicate: result.duplicate, ...(result.duplicate ? {} : { messageId: result.messageId }) });
      return result.duplicate ? { duplicate: true } : { messageId: result.messageId };
    },
  });
  router.add("POST", "/stripe", async (request) => {
    const raw = await request.body(service.maxMessageSize + 64 * 1024);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await stripeWebhook(new Request("http://dev.local/stripe", { method: "POST", headers, body: raw }));
    return { status: response.status, body: await response.json() };
  });
  router.add("GET", "/health", () => {
    const body = service.health();
    return { status: body.ok === false ? 503 : 200, body };
  });
  router.add("GET", "/stats", () => ({ status: 200, body: service.stats() }));
  router.add("GET", "/dlq", () => ({ status: 200, body: { messages: service.listDead().map(deadMessageView) } }));
  router.add("DELETE", "/dlq", async () => ({ status: 200, body: { purged: await service.purge() } }));
  router.add("POST", "/dlq/redrive", async (request) => {
    const id = request.query.get("messageId");
    if (id === null) return { status: 200, body: { redriven: await service.redrive() } };
    const moved = await service.redrive([id]);
    if (moved === 0) throw new HttpError(404, `No message ${id} in the dead-letter queue (GET /dlq lists them).`);
    return { status: 200, body: { redriven: moved } };
  });
  return router;
}

/** The intake's checks (size, shape), their failures as HTTP errors. */
function intake(raw: string, maxMessageSize: number, options: IntakeOptions = {}): NewMessage[] {
  return intakeChecked(() => parseIntake(raw, maxMessageSize, options));
}

function intakeChecked<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof IntakeError) throw new HttpError(error.status, error.message);
    throw error;
  }
}
