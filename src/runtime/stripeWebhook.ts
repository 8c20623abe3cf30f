/**
 * Stripe webhook verification with node:crypto, following Stripe's documented
 * scheme (header `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`), so
 * neither the worker image nor the dev server loads the whole stripe SDK for it.
 * Verify at the HTTP edge: the signature does not survive the queue.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { StripeWebhookError } from "./errors.js";
import type { StripeEvent } from "./stripeDispatcher.js";

export const STRIPE_DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyStripeWebhookOptions {
  /** Largest accepted distance, in seconds, between the header timestamp and now. 0 turns the check off. */
  tolerance?: number;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
}

export function verifyStripeWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
  secret: string | undefined,
  options: VerifyStripeWebhookOptions = {},
): StripeEvent {
  if (!secret) {
    throw new StripeWebhookError(
      "no-secret",
      "No Stripe webhook secret is configured: set STRIPE_WEBHOOK_SECRET (the whsec_... value from the Stripe dashboard or `stripe listen`).",
    );
  }
  if (!signatureHeader) {
    throw new StripeWebhookError("missing-header", "The request has no Stripe-Signature header: it did not come from Stripe.");
  }
  const { timestamp, signatures } = parseSignatureHeader(signatureHeader);
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  if (!signatures.some((signature) => sameBytes(signature, expected))) {
    throw new StripeWebhookError(
      "bad-signature",
      "The Stripe-Signature header does not match the body: check STRIPE_WEBHOOK_SECRET and that the raw, unparsed body is verified.",
    );
  }
  const tolerance = options.tolerance ?? STRIPE_DEFAULT_TOLERANCE_SECONDS;
  const ageSeconds = Math.floor((options.now ?? Date.now)() / 1000) - timestamp;
  if (tolerance > 0 && Math.abs(ageSeconds) > tolerance) {
    throw new StripeWebhookError(
      "timestamp-outside-tolerance",
      `The Stripe-Signature timestamp is ${ageSeconds} s from now, outside the ${tolerance} s tolerance: a replayed request, or a wrong clock.`,
    );
  }
  return parseEvent(rawBody);
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: Buffer[] } {
  let timestamp = Number.NaN;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const [key, value = ""] = part.trim().split("=", 2);
    if (key === "t" && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw new StripeWebhookError(
      "malformed-header",
      "The Stripe-Signature header has no timestamp (t=) or no v1 signature: it is not a Stripe signature header.",
    );
  }
  return { timestamp, signatures };
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseEvent(rawBody: string | Uint8Array): StripeEvent {
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StripeWebhookError("invalid-json", `The Stripe webhook body is not JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof value !== "object" || value === null || typeof type !== "string") {
    throw new StripeWebhookError("invalid-event", 'The Stripe webhook body is not a Stripe event (no string "type").');
  }
  return value as StripeEvent;
}
