/**
 * A webhook secret for `letsgo-worker stripe trigger` when STRIPE_WEBHOOK_SECRET
 * is not set: made once per project, kept in its state directory (gitignored,
 * readable by its owner only), used by `dev`'s POST /stripe and by `trigger`,
 * so signed test events work straight after `init`. Real deliveries (`stripe
 * listen`, Stripe) are signed with their own secret, which goes in
 * STRIPE_WEBHOOK_SECRET.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { replaceFile } from "../../files/atomicFile.js";
import path from "node:path";

const FILE = "stripe-webhook-secret";

export function localStripeSecretFile(stateDir: string): string {
  return path.join(stateDir, FILE);
}

/** The project's local secret, if `dev` has made one. */
export async function readLocalStripeSecret(stateDir: string): Promise<string | undefined> {
  const text = await readFile(localStripeSecretFile(stateDir), "utf8").catch(() => "");
  return /^whsec_local_[A-Za-z0-9_-]{20,}$/.test(text.trim()) ? text.trim() : undefined;
}

/** The local secret, made now if there is none. */
export async function ensureLocalStripeSecret(stateDir: string): Promise<string> {
  const existing = await readLocalStripeSecret(stateDir);
  if (existing) return existing;
  const secret = `whsec_local_${randomBytes(24).toString("base64url")}`;
  await replaceFile(localStripeSecretFile(stateDir), secret + "\n", { mode: 0o600 });
  return secret;
}

/**
 * The secret `dev`'s POST /stripe verifies with, and `stripe trigger` signs
 * with: the project's STRIPE_WEBHOOK_SECRET when set, else its local one. The
 * rule's one owner.
 */
export function stripeWebhookSecret(settings: { STRIPE_WEBHOOK_SECRET: string }, localSecret: string): string;
export function stripeWebhookSecret(settings: { STRIPE_WEBHOOK_SECRET: string }, localSecret: string | undefined): string | undefined;
export function stripeWebhookSecret(settings: { STRIPE_WEBHOOK_SECRET: string }, localSecret: string | undefined): string | undefined {
  return settings.STRIPE_WEBHOOK_SECRET || localSecret;
}
