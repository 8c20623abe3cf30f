/**
 * Handles `letsgo:stripe` messages: Stripe webhook events your API (or the dev
 * worker's POST /stripe) verified and enqueued. Dispatches a second time on the
 * Stripe event type. Types without an entry here are acknowledged and logged at
 * debug level: Stripe sends many you may not care about.
 */
import { createStripeDispatcher } from "letsgo-worker/runtime";
{{imports}}

export const stripeHandler = createStripeDispatcher({
{{entries}}
});
