/**
 * Stripe `invoice.upcoming`. The event arrives verified; amounts are in the smallest
 * currency unit (cents): divide by 100 before rounding, not after.
 * Stripe may deliver an event more than once: make your processing idempotent
 * on `stripeEvent.id`. Throw to have the message retried (and, after the last
 * attempt, dead-lettered).
 */
import type { StripeEventHandler } from "letsgo-worker/runtime";

export const invoiceUpcoming: StripeEventHandler = async (message, event, context) => {
  const stripeEvent = message.payload;
  console.log(`Stripe ${stripeEvent.type} ${stripeEvent.id}: not handled yet.`);
};
