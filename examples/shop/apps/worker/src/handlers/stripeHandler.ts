/**
 * Handles `letsgo:stripe` messages: Stripe webhook events your API (or the dev
 * worker's POST /stripe) verified and enqueued. Dispatches a second time on the
 * Stripe event type. Types without an entry here are acknowledged and logged at
 * debug level: Stripe sends many you may not care about.
 */
import { createStripeDispatcher } from "letsgo-worker/runtime";
import { checkoutSessionCompleted } from "./stripe/checkoutSessionCompleted";
import { customerCreated } from "./stripe/customerCreated";
import { customerSubscriptionCreated } from "./stripe/customerSubscriptionCreated";
import { customerSubscriptionUpdated } from "./stripe/customerSubscriptionUpdated";
import { customerSubscriptionDeleted } from "./stripe/customerSubscriptionDeleted";
import { customerSubscriptionPaused } from "./stripe/customerSubscriptionPaused";
import { customerSubscriptionResumed } from "./stripe/customerSubscriptionResumed";
import { customerSubscriptionTrialWillEnd } from "./stripe/customerSubscriptionTrialWillEnd";
import { invoicePaid } from "./stripe/invoicePaid";
import { invoicePaymentFailed } from "./stripe/invoicePaymentFailed";
import { invoicePaymentActionRequired } from "./stripe/invoicePaymentActionRequired";
import { invoiceUpcoming } from "./stripe/invoiceUpcoming";
import { invoiceFinalized } from "./stripe/invoiceFinalized";
import { paymentIntentSucceeded } from "./stripe/paymentIntentSucceeded";
import { paymentIntentPaymentFailed } from "./stripe/paymentIntentPaymentFailed";

export const stripeHandler = createStripeDispatcher({
  "checkout.session.completed": checkoutSessionCompleted,
  "customer.created": customerCreated,
  "customer.subscription.created": customerSubscriptionCreated,
  "customer.subscription.updated": customerSubscriptionUpdated,
  "customer.subscription.deleted": customerSubscriptionDeleted,
  "customer.subscription.paused": customerSubscriptionPaused,
  "customer.subscription.resumed": customerSubscriptionResumed,
  "customer.subscription.trial_will_end": customerSubscriptionTrialWillEnd,
  "invoice.paid": invoicePaid,
  "invoice.payment_failed": invoicePaymentFailed,
  "invoice.payment_action_required": invoicePaymentActionRequired,
  "invoice.upcoming": invoiceUpcoming,
  "invoice.finalized": invoiceFinalized,
  "payment_intent.succeeded": paymentIntentSucceeded,
  "payment_intent.payment_failed": paymentIntentPaymentFailed,
});
