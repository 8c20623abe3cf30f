/**
 * `letsgo-worker stripe trigger <type>`: build a test event, sign it the way
 * Stripe does with the configured webhook secret, and POST it to the dev
 * worker's /stripe endpoint, so the whole path runs without a Stripe account.
 */
import { SettingsError, UsageError } from "../errors.js";
import { loadSettings } from "../project/settings.js";
import { STRIPE_EVENT_TYPES } from "../project/stripeEvents.js";
import { signStripePayload } from "../runtime/stripeWebhook.js";
import { buildStripeTestEvent, isKnownStripeEventType } from "../stripe/testEvents.js";
import { readLocalStripeSecret, stripeWebhookSecret } from "../dev/http/localStripeSecret.js";
import { workerPaths } from "../project/paths.js";
import { postToDevWorker } from "./devWorkerApi.js";
import { devWorkerUrl } from "./targets.js";

export interface TriggerOptions {
  cwd: string;
  type: string;
  url?: string;
  secret?: string;
}

export interface TriggerResult {
  eventId: string;
  type: string;
  url: string;
  status: number;
  reply: unknown;
}

export async function triggerStripeEvent(options: TriggerOptions): Promise<TriggerResult> {
  if (!isKnownStripeEventType(options.type)) {
    throw new UsageError(`Unknown Stripe event type "${options.type}". Known types:\n  ${STRIPE_EVENT_TYPES.join("\n  ")}`);
  }
  const { settings } = await loadSettings(options.cwd);
  // As dev's POST /stripe: STRIPE_WEBHOOK_SECRET, else the local secret dev made for this project.
  const secret = options.secret ?? stripeWebhookSecret(settings, await readLocalStripeSecret(workerPaths(options.cwd).stateDir));
  if (!secret) {
    throw new SettingsError(
      "No Stripe webhook secret yet: start `letsgo-worker dev` once (it makes a local one for test events), or set STRIPE_WEBHOOK_SECRET in apps/worker/.env (`stripe listen` prints one), or pass --secret.",
    );
  }
  const event = buildStripeTestEvent(options.type);
  const payload = JSON.stringify(event, null, 2);
  const signature = signStripePayload(payload, secret);
  const base = await devWorkerUrl(options.cwd, options.url);
  const { status, body } = await postToDevWorker(base, "/stripe", payload, {
    "content-type": "application/json",
    "stripe-signature": signature,
  });
  return { eventId: event.id, type: event.type, url: new URL("/stripe", base).toString(), status, reply: body };
}
