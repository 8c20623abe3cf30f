/**
 * Stripe `customer.subscription.created`. The event arrives verified; amounts are in the smallest
 * currency unit (cents): divide by 100 before rounding, not after.
 * Stripe may deliver an event more than once: make your processing idempotent
 * on `stripeEvent.id`. Throw to have the message retried (and, after the last
 * attempt, dead-lettered).
 *
 * After your processing, a short note goes to Slack when SLACK_WEBHOOK_URL is
 * set. notifySlack never throws: Slack being down is logged, and never makes
 * this handler (and your processing of the payment) run again.
 */
import { notifySlack, stripeNotification, type StripeEventHandler } from "letsgo-worker/runtime";

export const customerSubscriptionCreated: StripeEventHandler = async (message, event, context) => {
  const stripeEvent = message.payload;
  console.log(`Stripe ${stripeEvent.type} ${stripeEvent.id}: not handled yet.`);

  const text = stripeNotification(stripeEvent);
  if (text) await notifySlack(text);
};
