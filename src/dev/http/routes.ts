/** The dev worker's HTTP API. Every route is one `router.add`. */
import { HttpError, Router } from "./http.js";
import { idNamedBy } from "./idPrefix.js";
import type { Answer, DeadMessageView, RetryingView } from "./devApi.js";
import { parseDelaySeconds, parseIntake, type IntakeOptions } from "./intake.js";
import type { RequestGuard } from "./requestGuard.js";
import type { NewMessage, QueueMessage, QueueStats } from "../queue/queueRecords.js";
import type { ScheduledRunOutcome } from "../schedule/scheduledRuns.js";
import type { EnqueueOnceResult, Redriven } from "../queue/queueStore.js";
import { anotherProjectText, type ProjectIdentity } from "../../project/identity.js";
import { PROJECT_HEADER } from "../../queue/constants.js";
import { createStripeWebhookHandler, DEV_WORKER_SECRET } from "../../queue/stripeWebhook.js";
import { createLogger } from "../../runtime/log.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";

/** What the routes need from the worker. */
export interface QueueService {
  /** The project this worker runs, and its URL: requests naming another project (PROJECT_HEADER) are refused. */
  identity: ProjectIdentity & { url: string };
  maxMessageSize: number;
  /** What payloads are checked against (from @letsgo/types), once known; undefined checks nothing. */
  payloadSchemas(): PayloadSchemas | undefined;
  /** Resolves once the messages are durable on disk. */
  enqueue(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  /** Enqueue unless `key` was enqueued before; durable before it resolves. */
  enqueueOnce(message: NewMessage, key: string): Promise<EnqueueOnceResult>;
  /** STRIPE_WEBHOOK_SECRET now ("" when not set): apps/worker/.env may change it while dev runs. */
  stripeSecret(): string;
  /** Told about each verified Stripe delivery, enqueued or not (for the log). */
  stripeReceived(delivery: StripeDelivery): void;
  /** Told about each delivery refused (a bad signature...) or not enqueued, with what to configure, if anything. */
  stripeRefused(refusal: StripeRefusal): void;
  /** Run the scheduled handler now. */
  runScheduled(): Promise<ScheduledRunOutcome>;
  stats(): QueueStats;
  listDead(): QueueMessage[];
  /** Resolves with what moved (old id → new id) once that is durable on disk. */
  redrive(ids?: string[]): Promise<Redriven[]>;
  /** Resolves with how many were deleted once that is durable on disk. */
  purge(): Promise<number>;
  /** Messages waiting for their next attempt (a failed one, or one whose attempt ended with a dev restart), with when. */
  retrying(): RetryingView[];
  /** Make a waiting message visible now; `ok: false` says why not. Durable before it resolves. */
  retryNow(id: string): Promise<{ ok: true } | { ok: false; running: boolean }>;
  /** `ok: false` (the journal cannot be written) answers 503. */
  health(): Record<string, unknown>;
}

/** A Stripe delivery dev did not enqueue: `what` ("stripe webhook refused"...), the reason and error, and what to configure. */
export interface StripeRefusal {
  what: string;
  reason?: string;
  error: string;
  advice?: string;
}

export interface StripeDelivery {
  eventId: string;
  type: string;
  duplicate: boolean;
  /** The enqueued letsgo:stripe message (absent for a duplicate). */
  messageId?: string;
}

export function deadMessageView(m: QueueMessage): DeadMessageView {
  return {
    messageId: m.id,
    type: m.type,
    body: m.body,
    receiveCount: m.receiveCount,
    lastError: m.lastError ?? null,
    lastErrorStack: m.lastErrorStack ?? null,
    sentAt: new Date(m.sentAt).toISOString(),
    deadAt: m.deadAt ? new Date(m.deadAt).toISOString() : null,
  };
}

/** dev's routes, and the Stripe verifier POST /stripe uses, for a delivery made inside dev (the dashboard's test events). */
export type DevRouter = Router & { deliverStripe(payload: string, signature: string): Promise<{ status: number; body: unknown }> };

export function buildRouter(service: QueueService, guard?: RequestGuard): DevRouter {
  const router = new Router(guard);
  /** A request from another project's app (two projects, one default port): refused whole, in the CLI's words. */
  const refuseAnotherProject = (headers: Record<string, string | string[] | undefined>) => {
    const sender = headers[PROJECT_HEADER];
    if (typeof sender !== "string" || sender === "" || sender === service.identity.name) return;
    const { url, name, root } = service.identity;
    throw new HttpError(409, anotherProjectText(url, { name, root }, { name: sender }));
  };
  router.add("POST", "/", async (request) => {
    refuseAnotherProject(request.headers);
    // Room for JSON escaping of SQS-shaped bodies; the real limits are checked per message.
    const raw = await request.body(service.maxMessageSize * 2 + 64 * 1024);
    const delaySeconds = parseDelaySeconds(request.query.get("delaySeconds"));
    const messages = intake(raw.toString("utf8"), service.maxMessageSize, { payloadSchemas: service.payloadSchemas() });
    const messageIds = await service.enqueue(messages, delaySeconds);
    return { status: 201, body: { messageIds } satisfies Answer<"POST /"> };
  });
  router.add("POST", "/schedule", async () => {
    const { ok, ...run } = await service.runScheduled();
    return ok ? { status: 200, body: { ok: true, ...run } satisfies Answer<"POST /schedule"> } : { status: 500, body: run };
  });
  // The same handler an app mounts for Stripe (letsgo-worker/queue), enqueueing here once per event id;
  // made again when STRIPE_WEBHOOK_SECRET changes (dev re-reads apps/worker/.env while it runs).
  const stripeWebhookFor = (secret: string) => createStripeWebhookHandler({
    secret,
    secretFrom: DEV_WORKER_SECRET,
    // Its log lines become dev's console lines (stdout stays one JSON object a line under --json).
    logger: createLogger({
      level: "warn",
      write: (line) => {
        const { msg, reason, error, advice } = JSON.parse(line) as Record<string, string | undefined>;
        service.stripeRefused({ what: msg ?? "", error: error ?? "", ...(reason ? { reason } : {}), ...(advice ? { advice } : {}) });
      },
    }),
    maxBodyBytes: service.maxMessageSize + 64 * 1024,
    async enqueue(message) {
      const [checked] = intake(JSON.stringify(message), service.maxMessageSize, { verifiedStripe: true, payloadSchemas: service.payloadSchemas() });
      const { id: eventId, type } = message.payload;
      const result = await service.enqueueOnce(checked!, `stripe:${eventId}`);
      service.stripeReceived({ eventId, type, duplicate: result.duplicate, ...(result.duplicate ? {} : { messageId: result.messageId }) });
      return result.duplicate ? { duplicate: true } : { messageId: result.messageId };
    },
  });
  let stripe: { secret: string; handle: ReturnType<typeof createStripeWebhookHandler> } | undefined;
  const stripeWebhook = (request: Request) => {
    const secret = service.stripeSecret();
    if (stripe?.secret !== secret) stripe = { secret, handle: stripeWebhookFor(secret) };
    return stripe.handle(request);
  };
  router.add("POST", "/stripe", async (request) => {
    refuseAnotherProject(request.headers);
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
  router.add("GET", "/dlq", () => ({ status: 200, body: { messages: service.listDead().map(deadMessageView), retrying: service.retrying() } satisfies Answer<"GET /dlq"> }));
  // dev only: SQS has no "now" for one message short of its receipt handle, which only the worker holds.
  router.add("POST", "/retry", async (request) => {
    const given = request.query.get("messageId");
    if (!given) throw new HttpError(400, "Name the message: POST /retry?messageId=<id or its first 8 characters>.");
    const waiting = service.retrying();
    const id = messageIdIn(waiting.map((m) => ({ id: m.messageId })), given, "waiting messages");
    const outcome = await service.retryNow(id);
    if (outcome.ok) return { status: 200, body: { retried: id } satisfies Answer<"POST /retry"> };
    if (outcome.running) throw new HttpError(409, `${given} is being handled right now: its outcome decides what comes next.`);
    throw new HttpError(404, `${given} is not waiting for a next attempt (GET /dlq lists the waiting ones under "retrying"; a dead one is redriven, not retried).`);
  });
  router.add("DELETE", "/dlq", async () => ({ status: 200, body: { purged: await service.purge() } satisfies Answer<"DELETE /dlq"> }));
  router.add("POST", "/dlq/redrive", async (request) => {
    const given = request.query.get("messageId");
    // As SQS's redrive, each comes back as a new message: `messages` pairs the dead id (`from`) with the new one.
    if (given === null) {
      const moved = await service.redrive();
      return { status: 200, body: { redriven: moved.length, messages: moved } satisfies Answer<"POST /dlq/redrive"> };
    }
    const id = messageIdIn(service.listDead(), given, "dead messages");
    const moved = await service.redrive([id]);
    if (moved.length === 0) throw new HttpError(404, `No message ${given} in the dead-letter queue (GET /dlq lists them).`);
    return { status: 200, body: { redriven: 1, messageId: id, newMessageId: moved[0]!.messageId, messages: moved } satisfies Answer<"POST /dlq/redrive"> };
  });
  // The same verifier and enqueue as POST /stripe, without a round trip through dev's own HTTP server.
  const deliverStripe = async (payload: string, signature: string) => {
    const response = await stripeWebhook(
      new Request("http://dev.local/stripe", { method: "POST", body: payload, headers: { "content-type": "application/json", "stripe-signature": signature } }),
    );
    return { status: response.status, body: (await response.json()) as unknown };
  };
  return Object.assign(router, { deliverStripe });
}

/** A full id, or a prefix that names exactly one of `messages`; else `given` (the caller finds nothing and says so). */
function messageIdIn(messages: ReadonlyArray<{ id: string }>, given: string, what: string): string {
  const named = idNamedBy(given, (id) => messages.some((m) => m.id === id), (prefix) => messages.filter((m) => m.id.startsWith(prefix)).map((m) => m.id), what);
  return named ?? given;
}

/** The intake's checks (size, shape); its IntakeErrors are HttpErrors, answered with their status. */
function intake(raw: string, maxMessageSize: number, options: IntakeOptions = {}): NewMessage[] {
  return parseIntake(raw, maxMessageSize, options);
}
