/**
 * `POST /stripe`: a Stripe webhook delivery, checked at the HTTP edge (the
 * signature cannot survive the queue) with the `stripe` library itself, on the
 * raw body, with its default tolerance. The library is imported on the first
 * delivery only: `dev` starts without paying for it.
 */
import { ReservedMessageType } from "../runtime/messageTypes.js";
import { STRIPE_DEFAULT_TOLERANCE_SECONDS } from "../runtime/stripeWebhook.js";
import { HttpError } from "./http.js";

type StripeModule = typeof import("stripe");
let stripeLoading: Promise<StripeModule> | undefined;

export interface VerifiedStripeEvent {
  id: string;
  type: string;
  livemode?: boolean;
  [field: string]: unknown;
}

const NO_SECRET =
  "No Stripe webhook secret is configured, so no delivery can be verified: set STRIPE_WEBHOOK_SECRET in apps/worker/.env " +
  "(`stripe listen` prints the whsec_... it signs with) and restart `letsgo-worker dev`.";

const MALFORMED = "The Stripe-Signature header is malformed: it needs a t= timestamp and a v1= signature.";

/** The verified event, or an HttpError 400 saying why the delivery was refused. */
export async function verifyStripeDelivery(rawBody: Buffer, signature: string | string[] | undefined, secret: string): Promise<VerifiedStripeEvent> {
  if (!secret) throw new HttpError(400, NO_SECRET);
  const header = Array.isArray(signature) ? signature[0] : signature;
  if (!header) throw new HttpError(400, "The request has no Stripe-Signature header: only Stripe (or `stripe listen`, `letsgo-worker stripe trigger`) can deliver here.");
  if (!/(^|,)\s*t=\d+\s*(,|$)/.test(header) || !/(^|,)\s*v1=[0-9a-f]+\s*(,|$)/i.test(header)) {
    throw new HttpError(400, MALFORMED);
  }
  const { default: Stripe } = await (stripeLoading ??= import("stripe"));
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, header, secret);
  } catch (error) {
    throw new HttpError(400, refusal(error));
  }
  const candidate = event as Partial<VerifiedStripeEvent> | null;
  if (typeof candidate?.id !== "string" || candidate.id === "" || typeof candidate.type !== "string") {
    throw new HttpError(400, 'The signed body is not a Stripe event: it needs a string "id" and "type".');
  }
  return candidate as VerifiedStripeEvent;
}

/** The queue message for a verified event, as LetsGo enqueues it: the event plus the mode it came from. */
export function stripeMessageBody(event: VerifiedStripeEvent): string {
  return JSON.stringify({ type: ReservedMessageType.Stripe, payload: { ...event, stripeMode: event.livemode ? "live" : "test" } });
}

function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SyntaxError) return `The signed body is not JSON (${message}).`;
  if (/No signatures found matching/.test(message)) {
    return (
      "The Stripe-Signature header does not match the body: the body was changed on the way, or it was signed with " +
      "another secret than STRIPE_WEBHOOK_SECRET (with `stripe listen`, use the whsec_... it prints)."
    );
  }
  if (/Timestamp outside the tolerance zone/.test(message)) {
    return `The Stripe-Signature timestamp is more than ${STRIPE_DEFAULT_TOLERANCE_SECONDS} s from now: a stale or replayed delivery (or a wrong clock).`;
  }
  if (/Unable to extract timestamp and signatures/.test(message)) {
    return MALFORMED;
  }
  return `The Stripe signature was refused: ${message.split("\n", 1)[0]}`;
}
