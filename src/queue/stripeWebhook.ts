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
  /**
   * The endpoint's signing secret. Default: STRIPE_WEBHOOK_SECRET, read on each
   * request. Locally (the dev worker as target, no `enqueue`), none is needed:
   * the dev worker verifies with its own, from apps/worker/.env.
   */
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
  /** Where the secret is set, as the log's advice names it. Default: this app's STRIPE_WEBHOOK_SECRET. */
  secretFrom?: string;
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
  const secretFrom = options.secretFrom ?? APP_SECRET;

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
    const signature = request.headers.get("stripe-signature") ?? undefined;
    const secret = options.secret ?? process.env.STRIPE_WEBHOOK_SECRET;

    // Locally, with no secret of its own, the app leaves verifying to the dev worker, which reads
    // STRIPE_WEBHOOK_SECRET from apps/worker/.env: one place to set it while developing.
    if (!secret && !send && resolveQueueTarget().kind === "dev") return forwardToDevWorker(body, signature, options.project, log());

    let event: StripeEvent;
    try {
      event = verifyStripeWebhook(body, signature, secret, { tolerance: options.tolerance });
    } catch (error) {
      if (!(error instanceof StripeWebhookError)) throw error;
      // What to configure goes to this server's log; the reply says only what is wrong with the delivery.
      const advice = error.advice?.replaceAll("STRIPE_WEBHOOK_SECRET", secretFrom);
      // A missing secret is the server's fault: 500 makes Stripe retry until it is set.
      if (error.reason === "no-secret") {
        log().error("stripe webhook refused", { reason: error.reason, error: error.message, ...(advice ? { advice } : {}) });
        return reply(500, { error: "This endpoint cannot verify Stripe deliveries yet (its server's log says why); Stripe delivers again later.", reason: error.reason });
      }
      log().warn("stripe webhook refused", { reason: error.reason, error: error.message, ...(advice ? { advice } : {}) });
      return reply(400, { error: error.message, reason: error.reason });
    }

    let result: StripeEnqueueResult;
    try {
      result = send ? normalise(await send(stripeMessage(event))) : await deliverByTargetRule(event, body, signature!, options.project);
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
          error: `Event ${event.id} was verified but could not be enqueued (its server's log says why); Stripe delivers again later.`,
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

/** The default `secretFrom`: the variable of the process that mounts the handler. */
const APP_SECRET = "this app's STRIPE_WEBHOOK_SECRET (an environment variable of the process serving this endpoint)";
/** Where the dev worker reads its secret: dev's handler says so in its log, and the app when dev refuses a delivery. */
export const DEV_WORKER_SECRET = "STRIPE_WEBHOOK_SECRET in apps/worker/.env (letsgo-worker dev reads it as it changes)";

/** POST the signed delivery to the dev worker's /stripe, the only way a letsgo:stripe message enters it (it verifies and deduplicates). */
async function postToDevWorker(body: Uint8Array, signature: string | undefined, project?: string): Promise<{ url: string; response: Response }> {
  const { url } = resolveQueueTarget() as { url: string };
  try {
    const response = await fetch(`${url}/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature ? { "stripe-signature": signature } : {}), ...(project ? { [PROJECT_HEADER]: project } : {}) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    return { url, response };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new QueueError(`no answer from the dev worker at ${url}${cause ? ` (${cause})` : ""}: start it with \`letsgo-worker dev\`, or set LETSGO_WORKER_QUEUE_URL.`, { cause: error });
  }
}

/**
 * The app has no secret, and the dev worker verifies: its answer is passed on
 * (a bad delivery is refused with its 400, as verifying here would); what to
 * configure goes to the app's log, naming the process that lacks what.
 */
async function forwardToDevWorker(body: Uint8Array, signature: string | undefined, project: string | undefined, log: Logger): Promise<Response> {
  let answer: { url: string; response: Response };
  try {
    answer = await postToDevWorker(body, signature, project);
  } catch (error) {
    log.error("stripe webhook not forwarded", { error: (error as Error).message });
    return reply(500, { error: "The delivery could not be passed on (its server's log says why); Stripe delivers again later." });
  }
  const { url, response } = answer;
  const text = await response.text();
  const passed = (status: number) => new Response(text, { status, headers: { "content-type": "application/json", ...retryAfter(response) } });
  if (response.ok || response.status === 503) return passed(response.status);
  let reason: { reason?: string; error?: string } = {};
  try {
    reason = (JSON.parse(text) as typeof reason | null) ?? {};
  } catch {
    // not JSON: no reason to pass on
  }
  if (response.status === 400) {
    log.warn("stripe webhook refused", {
      reason: reason.reason,
      error: reason.error,
      advice: `The dev worker at ${url} verified the delivery, with ${DEV_WORKER_SECRET}; this app has no STRIPE_WEBHOOK_SECRET of its own, so it does not verify locally. With \`stripe listen\`, set the dev worker's to the whsec_... it prints.`,
    });
    return passed(400);
  }
  log.error("stripe webhook not forwarded", { error: `the dev worker at ${url} answered HTTP ${response.status}: ${reason.error ?? "no reason given"}` });
  return reply(500, { error: "The delivery could not be passed on (its server's log says why); Stripe delivers again later." });
}

/** SQS: enqueue the message. The dev worker: forward the signed delivery, which it verifies again. */
async function deliverByTargetRule(event: StripeEvent, body: Uint8Array, signature: string, project?: string): Promise<StripeEnqueueResult> {
  const target = resolveQueueTarget();
  if (target.kind === "sqs") return normalise(await enqueueDefault(stripeMessage(event)));
  const { url, response } = await postToDevWorker(body, signature, project);
  const reply = (await response.json().catch(() => ({}))) as { messageId?: string; duplicate?: boolean; error?: string };
  if (response.ok) return { ...(reply.messageId ? { messageId: reply.messageId } : {}), ...(reply.duplicate ? { duplicate: true } : {}) };
  // Verified here and refused there: the two processes hold different secrets.
  const hint =
    response.status === 400
      ? `; this app verified it with its STRIPE_WEBHOOK_SECRET, the dev worker with ${DEV_WORKER_SECRET}: make them the same, or unset this app's and let the dev worker verify`
      : "";
  const refused = new QueueError(`the dev worker at ${url} refused the delivery (HTTP ${response.status}): ${reply.error ?? "no reason given"}${hint}`);
  if (response.status === 503) {
    Object.assign(refused, { httpStatus: 503, retryAfterSeconds: Number(response.headers.get("retry-after")) || 1 });
  }
  throw refused;
}

function retryAfter(response: Response): Record<string, string> {
  const value = response.headers.get("retry-after");
  return value ? { "retry-after": value } : {};
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
