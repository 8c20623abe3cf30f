/**
 * Realistic Stripe test events for `letsgo-worker stripe trigger`: the envelope
 * Stripe sends (object "event", api_version, livemode false, request, ...) around
 * a data.object of the right kind, so the scaffold's stubs see what they will
 * see from Stripe. Ids are random per call, like Stripe's.
 */
import { randomBytes } from "node:crypto";
import { STRIPE_EVENT_TYPES, type StripeEventType } from "../project/stripeEvents.js";

export const STRIPE_API_VERSION = "2025-10-29.clover";

export interface StripeTestEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

function stripeId(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

interface Ids {
  customer: string;
  subscription: string;
  price: string;
  invoice: string;
  paymentIntent: string;
  now: number;
}

function customer(ids: Ids) {
  return { id: ids.customer, object: "customer", created: ids.now, email: "jenny.rosen@example.com", name: "Jenny Rosen", livemode: false, metadata: {} };
}

function subscription(ids: Ids, status: string, extra: Record<string, unknown> = {}) {
  const periodEnd = ids.now + 30 * 86400;
  return {
    id: ids.subscription,
    object: "subscription",
    customer: ids.customer,
    status,
    created: ids.now,
    cancel_at_period_end: false,
    currency: "usd",
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          quantity: 1,
          current_period_start: ids.now,
          current_period_end: periodEnd,
          price: { id: ids.price, object: "price", currency: "usd", unit_amount: 2000, recurring: { interval: "month", interval_count: 1 }, product: stripeId("prod") },
        },
      ],
    },
    livemode: false,
    metadata: {},
    ...extra,
  };
}

function invoice(ids: Ids, status: string, extra: Record<string, unknown> = {}) {
  return {
    id: ids.invoice,
    object: "invoice",
    customer: ids.customer,
    status,
    currency: "usd",
    amount_due: 2000,
    amount_paid: status === "paid" ? 2000 : 0,
    amount_remaining: status === "paid" ? 0 : 2000,
    billing_reason: "subscription_cycle",
    created: ids.now,
    hosted_invoice_url: `https://invoice.stripe.com/i/${ids.invoice}`,
    lines: { object: "list", data: [{ id: stripeId("il"), object: "line_item", amount: 2000, currency: "usd", description: "1 × Pro (at $20.00 / month)" }] },
    parent: { type: "subscription_details", subscription_details: { subscription: ids.subscription } },
    livemode: false,
    ...extra,
  };
}

function paymentIntent(ids: Ids, status: string, extra: Record<string, unknown> = {}) {
  return {
    id: ids.paymentIntent,
    object: "payment_intent",
    amount: 2000,
    amount_received: status === "succeeded" ? 2000 : 0,
    currency: "usd",
    customer: ids.customer,
    status,
    created: ids.now,
    livemode: false,
    metadata: {},
    ...extra,
  };
}

const OBJECTS: Record<StripeEventType, (ids: Ids) => { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> }> = {
  "checkout.session.completed": (ids) => ({
    object: {
      id: stripeId("cs"),
      object: "checkout.session",
      mode: "subscription",
      status: "complete",
      payment_status: "paid",
      customer: ids.customer,
      subscription: ids.subscription,
      amount_total: 2000,
      currency: "usd",
      customer_details: { email: "jenny.rosen@example.com", name: "Jenny Rosen" },
      client_reference_id: null,
      livemode: false,
      metadata: {},
    },
  }),
  "customer.created": (ids) => ({ object: customer(ids) }),
  "customer.subscription.created": (ids) => ({ object: subscription(ids, "active") }),
  "customer.subscription.updated": (ids) => ({
    object: subscription(ids, "active", { cancel_at_period_end: true }),
    previous_attributes: { cancel_at_period_end: false },
  }),
  "customer.subscription.deleted": (ids) => ({ object: subscription(ids, "canceled", { canceled_at: ids.now, ended_at: ids.now }) }),
  "customer.subscription.paused": (ids) => ({ object: subscription(ids, "paused", { pause_collection: { behavior: "void" } }) }),
  "customer.subscription.resumed": (ids) => ({ object: subscription(ids, "active") }),
  "customer.subscription.trial_will_end": (ids) => ({ object: subscription(ids, "trialing", { trial_end: ids.now + 3 * 86400 }) }),
  "invoice.paid": (ids) => ({ object: invoice(ids, "paid") }),
  "invoice.payment_failed": (ids) => ({ object: invoice(ids, "open", { attempt_count: 1, next_payment_attempt: ids.now + 86400 }) }),
  "invoice.payment_action_required": (ids) => ({ object: invoice(ids, "open", { attempt_count: 1 }) }),
  "invoice.upcoming": (ids) => ({ object: { ...invoice(ids, "draft"), id: undefined, next_payment_attempt: ids.now + 3 * 86400 } }),
  "invoice.finalized": (ids) => ({ object: invoice(ids, "open") }),
  "payment_intent.succeeded": (ids) => ({ object: paymentIntent(ids, "succeeded") }),
  "payment_intent.payment_failed": (ids) => ({
    object: paymentIntent(ids, "requires_payment_method", {
      last_payment_error: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", type: "card_error" },
    }),
  }),
};

export function isKnownStripeEventType(type: string): type is StripeEventType {
  return (STRIPE_EVENT_TYPES as readonly string[]).includes(type);
}

export function buildStripeTestEvent(type: StripeEventType, now = Date.now()): StripeTestEvent {
  const ids: Ids = {
    customer: stripeId("cus"),
    subscription: stripeId("sub"),
    price: stripeId("price"),
    invoice: stripeId("in"),
    paymentIntent: stripeId("pi"),
    now: Math.floor(now / 1000),
  };
  return {
    id: stripeId("evt"),
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: ids.now,
    data: JSON.parse(JSON.stringify(OBJECTS[type](ids))) as StripeTestEvent["data"],
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req"), idempotency_key: null },
    type,
  };
}
