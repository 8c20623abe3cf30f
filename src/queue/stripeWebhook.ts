/**
 * Stripe webhook ingress for the app's API, and the very code `dev` serves at
 * POST /stripe: verify the signature on the raw body, enqueue one
 * `letsgo:stripe` message, and answer 200 only once it is accepted. A bad
 * signature gets 400 and enqueues nothing; a failed enqueue (or a missing
 * secret) gets 500, so Stripe delivers again later: nothing is lost.
 *
 * Web-standard `(Request) => Promise<Response>` (Next.js route handlers, Hono,
 * Bun, Deno, Cloudflare); `toNodeHandler` adapts it to `(req, res)` for
 * node:http and Express.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../runtime/log.js";
import { ReservedMessageType } from "../runtime/messageTypes.js";
import type { StripeEvent, StripeMessage } from "../runtime/stripeDispatcher.js";
import { enqueue as enqueueDefault } from "./enqueue.js";
import { PROJECT_HEADER } from "./constants.js";
import { resolveQueueTarget } from "./target.js";
import { EnqueueError, MessageValidationError, QueueError } from "./errors.js";

/** What an `enqueue` option reports back; `duplicate` when the event was enqueued before (dev deduplicates on event.id). */
export interface StripeEnqueueResult {
  messageId?: string;
  duplicate?: boolean;
}

export interface StripeWebhookHandlerOptions {
  /** The endpoint's signing secret. Default: STRIPE_WEBHOOK_SECRET, read on each request. */
  secret?: string;
  /**
   * How the verified event is enqueued. Default, by the one target rule: to SQS
   * with `enqueue()` when LETSGO_WORKER_QUEUE_URL is set; otherwise the signed
   * delivery itself is forwarded to the dev worker's POST /stripe, the only way
   * a letsgo:stripe message enters it (it verifies again and deduplicates).
   */
  enqueue?: (message: StripeMessage) => Promise<StripeEnqueueResult | string[] | void>;
  /** Seconds a signature stays valid. Default 300, as Stripe's library. */
  tolerance?: number;
  /** Largest body accepted, bytes. Default 1 MiB (Stripe events are far smaller). */
  maxBodyBytes?: number;
  /** Where failures are logged. Default: JSON lines at LETSGO_LOG_LEVEL. */
  logger?: Logger;
  /** The app's project, named to a dev worker, which refuses another project's deliveries (the scaffold's @letsgo/queue sets it). */
  project?: string;
}

export type WebHandler = (request: Request) => Promise<Response>;

/** Stripe's `livemode` as LetsGo tags the message. */
export function stripeMessage(event: StripeEvent): StripeMessage {
  return { type: ReservedMessageType.Stripe, payload: { ...event, stripeMode: event.livemode ? "live" : "test" } };
}

/** Verification and logging load with the first delivery: an app that only enqueues never pays for them. */
let verifying: Promise<[typeof import("../runtime/stripeWebhook.js"), typeof import("../runtime/errors.js"), typeof import("../runtime/log.js")]> | undefined;
const loadVerification = () =>
  (verifying ??= Promise.all([import("../runtime/stripeWebhook.js"), import("../runtime/errors.js"), import("../runtime/log.js")]));

export function createStripeWebhookHandler(options: StripeWebhookHandlerOptions = {}): WebHandler {
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  let logger = options.logger;
  const send = options.enqueue;

  return async (request) => {
    const [{ verifyStripeWebhook }, { StripeWebhookError }, { createLogger }] = await loadVerification();
    const log = () => (logger ??= createLogger());
    if (request.method !== "POST") {
      return reply(405, { error: `${request.method} is not allowed here: Stripe delivers webhooks with POST.` }, { allow: "POST" });
    }
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > maxBodyBytes) return reply(413, { error: `The body is larger than ${maxBodyBytes} bytes: not a Stripe event.` });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > maxBodyBytes) return reply(413, { error: `The body is larger than ${maxBodyBytes} bytes: not a Stripe event.` });

    let event: StripeEvent;
    try {
      event = verifyStripeWebhook(body, request.headers.get("stripe-signature") ?? undefined, options.secret ?? process.env.STRIPE_WEBHOOK_SECRET, {
        tolerance: options.tolerance,
      });
    } catch (error) {
      if (!(error instanceof StripeWebhookError)) throw error;
      // A missing secret is the server's fault: 500 makes Stripe retry until it is set.
      if (error.reason === "no-secret") {
        log().error("stripe webhook refused", { reason: error.reason, error: error.message });
        return reply(500, { error: error.message, reason: error.reason });
      }
      return reply(400, { error: error.message, reason: error.reason });
    }

    let result: StripeEnqueueResult;
    try {
      result = send ? normalise(await send(stripeMessage(event))) : await deliverByTargetRule(event, body, request.headers.get("stripe-signature")!, options.project);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log().error("stripe webhook not enqueued", {
        stripeEventId: event.id,
        stripeType: event.type,
        errorName: error instanceof Error ? error.name : typeof error,
        error: message,
      });
      const refusedForGood = error instanceof MessageValidationError || (error instanceof EnqueueError && error.failed.some((f) => !f.retriable));
      // A queue that says "not now" (the dev worker's full disk: 503 with Retry-After) is passed on as it is.
      const { httpStatus, retryAfterSeconds } = error as { httpStatus?: number; retryAfterSeconds?: number };
      return reply(
        httpStatus === 503 ? 503 : 500,
        {
          error: `Event ${event.id} was verified but could not be enqueued: ${message.split("\n").join(" ")}`,
          ...(!refusedForGood ? {} : { note: "The queue refused the message itself; Stripe's retries will meet the same refusal until the cause is fixed." }),
        },
        retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {},
      );
    }
    if (result.duplicate) {
      return reply(200, {
        received: true,
        duplicate: true,
        eventId: event.id,
        type: event.type,
        note: `Event ${event.id} was already enqueued; Stripe retries and duplicates deliveries, so it is not enqueued again.`,
      });
    }
    return reply(200, { received: true, eventId: event.id, type: event.type, ...(result.messageId ? { messageId: result.messageId } : {}) });
  };
}

/** SQS: enqueue the message. The dev worker: forward the signed delivery to its POST /stripe. */
async function deliverByTargetRule(event: StripeEvent, body: Uint8Array, signature: string, project?: string): Promise<StripeEnqueueResult> {
  const target = resolveQueueTarget();
  if (target.kind === "sqs") return normalise(await enqueueDefault(stripeMessage(event)));
  let response: Response;
  try {
    response = await fetch(`${target.url}/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature, ...(project ? { [PROJECT_HEADER]: project } : {}) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new QueueError(`no answer from the dev worker at ${target.url}${cause ? ` (${cause})` : ""}: start it with \`letsgo-worker dev\`, or set LETSGO_WORKER_QUEUE_URL.`, { cause: error });
  }
  const reply = (await response.json().catch(() => ({}))) as { messageId?: string; duplicate?: boolean; error?: string };
  if (response.ok) return { ...(reply.messageId ? { messageId: reply.messageId } : {}), ...(reply.duplicate ? { duplicate: true } : {}) };
  const hint = response.status === 400 ? " (is its STRIPE_WEBHOOK_SECRET, in apps/worker/.env, the same as this app's?)" : "";
  const refused = new QueueError(`the dev worker at ${target.url} refused the delivery (HTTP ${response.status}): ${reply.error ?? "no reason given"}${hint}`);
  if (response.status === 503) {
    Object.assign(refused, { httpStatus: 503, retryAfterSeconds: Number(response.headers.get("retry-after")) || 1 });
  }
  throw refused;
}

function normalise(result: StripeEnqueueResult | string[] | void): StripeEnqueueResult {
  if (Array.isArray(result)) return { messageId: result[0] };
  return result ?? {};
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A Node request as Express may leave it: with `body` already read by a body parser. */
type NodeRequest = IncomingMessage & { body?: unknown };

/**
 * `(req, res)` for node:http and Express. Mount it before any JSON body parser
 * (or give the route `express.raw({ type: "application/json" })`): the
 * signature covers the raw bytes.
 */
export function toNodeHandler(handler: WebHandler): (req: NodeRequest, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    let response: Response;
    try {
      const raw = await rawBody(req);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const method = req.method ?? "GET";
      const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
      response = await handler(new Request(url, { method, headers, ...(method === "GET" || method === "HEAD" ? {} : { body: raw }) }));
    } catch (error) {
      response = reply(500, { error: error instanceof Error ? error.message : String(error) });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

async function rawBody(req: NodeRequest): Promise<Uint8Array> {
  if (req.body !== undefined && req.body !== null) {
    if (typeof req.body === "string") return Buffer.from(req.body, "utf8");
    if (req.body instanceof Uint8Array) return req.body;
    // A parsed object cannot be turned back into the bytes Stripe signed.
    throw new QueueError(
      "The request body was already parsed (a JSON body parser ran before this handler), so Stripe's signature cannot be checked. " +
        'Mount the Stripe webhook route before express.json(), or give it express.raw({ type: "application/json" }).',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
