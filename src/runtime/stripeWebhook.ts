/**
 * Stripe webhook signatures with node:crypto, following Stripe's documented
 * scheme (header `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`):
 * signing, for `letsgo-worker stripe trigger` and tests, and verification with
 * its library's checks (signature first, then the timestamp), stricter in one
 * way: a timestamp too far in the future is refused as well as a stale one, so
 * a signed delivery cannot be held back and replayed later. Neither the app, the worker image nor the dev server loads the
 * whole stripe SDK for it. Verify at the HTTP edge: the signature does not
 * survive the queue.
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

/** The Stripe-Signature header Stripe would send with `payload`, signed with `secret` at `timestamp` (unix seconds; default: now). */
export function signStripePayload(payload: string | Uint8Array, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signature(payload, secret, timestamp).toString("hex")}`;
}

export function verifyStripeWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
  secret: string | undefined,
  options: VerifyStripeWebhookOptions = {},
): StripeEvent {
  if (!secret) {
    throw new StripeWebhookError("no-secret", "No Stripe webhook secret is configured, so no delivery can be verified.", {
      advice: "Set STRIPE_WEBHOOK_SECRET to the endpoint's whsec_... signing secret (`stripe listen` prints the one it signs with).",
    });
  }
  if (!signatureHeader) {
    throw new StripeWebhookError(
      "missing-header",
      "The request has no Stripe-Signature header: only Stripe (or `stripe listen`, `letsgo-worker stripe trigger`) can deliver here.",
    );
  }
  const { timestamp, signatures } = parseSignatureHeader(signatureHeader);
  const expected = signature(rawBody, secret, timestamp);
  if (!signatures.some((signature) => sameBytes(signature, expected))) {
    throw new StripeWebhookError("bad-signature", "The Stripe-Signature header does not match the body: the body was changed on the way, or it was signed with another secret.", {
      advice:
        "Verify the raw body, before any JSON parsing, and check that STRIPE_WEBHOOK_SECRET is the endpoint's signing secret (with `stripe listen`, the whsec_... it prints)" +
        (/\s/.test(secret) ? ". STRIPE_WEBHOOK_SECRET contains whitespace, often a stray newline or space." : "."),
    });
  }
  // Stripe's library refuses only the past; a timestamp far ahead is a held-back delivery (or a wrong clock) too.
  const tolerance = options.tolerance ?? STRIPE_DEFAULT_TOLERANCE_SECONDS;
  const ageSeconds = Math.floor((options.now ?? Date.now)() / 1000) - timestamp;
  if (tolerance > 0 && Math.abs(ageSeconds) > tolerance) {
    const when = ageSeconds > 0 ? `${ageSeconds} s old` : `${-ageSeconds} s in the future`;
    throw new StripeWebhookError(
      "timestamp-outside-tolerance",
      `The Stripe-Signature timestamp is ${when}, outside the ${tolerance} s tolerance: a stale, held-back or replayed delivery (or a wrong clock).`,
    );
  }
  return parseEvent(rawBody);
}

function signature(payload: string | Uint8Array, secret: string, timestamp: number): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(payload).digest();
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
      "The Stripe-Signature header is malformed: it has no timestamp (t=) or no v1= signature.",
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
  const { id, type } = (value ?? {}) as { id?: unknown; type?: unknown };
  if (typeof value !== "object" || value === null || typeof type !== "string" || type === "" || typeof id !== "string" || id === "") {
    throw new StripeWebhookError("invalid-event", 'The signed body is not a Stripe event: it needs a string "id" and "type".');
  }
  return value as StripeEvent;
}
