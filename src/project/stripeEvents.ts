/**
 * The Stripe events a SaaS usually handles: `init` writes one handler stub per
 * type, and `stripe trigger` can build a test event for each.
 */
export const STRIPE_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.created",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.upcoming",
  "invoice.finalized",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
] as const;

export type StripeEventType = (typeof STRIPE_EVENT_TYPES)[number];

/**
 * The events whose scaffolded handler also posts to Slack (stripeNotification
 * in the runtime says what): new and cancelled subscriptions (an update only
 * when it schedules a cancellation), trials ending, failed payments, checkouts.
 */
export const SLACK_STRIPE_EVENT_TYPES: ReadonlySet<StripeEventType> = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.trial_will_end",
  "invoice.payment_failed",
]);

/** `customer.subscription.trial_will_end` → `customerSubscriptionTrialWillEnd` */
export function stripeHandlerName(eventType: string): string {
  return eventType
    .split(/[._]/)
    .map((part, index) => (index === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join("");
}
