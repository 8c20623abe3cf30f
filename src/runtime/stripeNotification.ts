/**
 * One short Slack text per subscription-lifecycle Stripe event worth a human's
 * attention; undefined for the rest, so a handler can write
 * `const text = stripeNotification(event); if (text) await notifySlack(text);`.
 * Pure: reads only the event, which may come from any API version, so every
 * field is checked before use.
 */
import { escapeSlackText as esc } from "./slack.js";
import type { StripeEvent } from "./stripeDispatcher.js";

type Obj = Record<string, unknown>;

/** Stripe's zero- and three-decimal currencies; all others are in hundredths. */
const ZERO_DECIMAL = new Set([
  "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
]);
const THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

let knownCurrencies: Set<string> | undefined;
const formatters = new Map<string, Intl.NumberFormat>();

/** `amount` in the currency's smallest unit, as Stripe sends it: formatMoney(2000, "usd") → "$20.00". */
export function formatMoney(amount: number, currency: string): string {
  const code = String(currency).trim().toUpperCase();
  const digits = ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
  const value = amount / 10 ** digits; // divide first: Intl then rounds the real value
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  if (!knownCurrencies.has(code)) return `${value.toFixed(digits)} ${code}`;
  let format = formatters.get(code);
  if (!format) {
    // Intl's digits follow ISO 4217, Stripe's sometimes differ (HUF, ISK): show whichever is more, drop zeros only where ISO has none.
    const iso = new Intl.NumberFormat("en-US", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    format = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: code,
      minimumFractionDigits: Math.min(iso, digits),
      maximumFractionDigits: Math.max(iso, digits),
    });
    formatters.set(code, format);
  }
  // Intl puts a no-break space after a code ("KWD\u00a01.234"); a plain one is what people type and compare against.
  return format.format(value).replace(/\u00a0/g, " ");
}

/** A Slack text (one to three lines) for the events below; undefined for any other event. */
export function stripeNotification(event: StripeEvent): string | undefined {
  const object = asObj(event?.data?.object);
  if (!object) return undefined;
  const previous = asObj(event.data.previous_attributes) ?? {};
  const lines = describe(event.type, object, previous);
  if (!lines) return undefined;
  const test = (event.livemode ?? object.livemode) === false ? "[test] " : "";
  return (test + lines.filter((line) => line !== "").join("\n")).trim();
}

function describe(type: string, object: Obj, previous: Obj): string[] | undefined {
  switch (type) {
    case "customer.subscription.created": {
      const status = str(object.status);
      const trialEnd = status === "trialing" ? isoDate(object.trial_end) : undefined;
      const state = trialEnd ? `trial until ${trialEnd}` : status && status !== "active" ? `status ${status}` : "";
      return [`New subscription: ${subscriptionCustomer(object)}`, join([plans(object), state]), ids(object)];
    }
    case "customer.subscription.deleted":
      return [`Subscription cancelled: ${subscriptionCustomer(object)}`, join([plans(object), cancellation(object)]), ids(object)];
    case "customer.subscription.updated": {
      // previous_attributes holds only what changed: a key there means this update set it.
      const periodEndCancel =
        object.cancel_at_period_end === true && "cancel_at_period_end" in previous && previous.cancel_at_period_end !== true;
      const cancelAtSet = num(object.cancel_at) !== undefined && "cancel_at" in previous && num(previous.cancel_at) === undefined;
      if (!periodEndCancel && !cancelAtSet) return undefined;
      const on = isoDate(object.cancel_at) ?? isoDate(periodEnd(object));
      return [
        `Subscription set to cancel${on ? ` on ${on}` : " at period end"}: ${subscriptionCustomer(object)}`,
        join([plans(object), cancellation(object)]),
        ids(object),
      ];
    }
    case "customer.subscription.trial_will_end": {
      const on = isoDate(object.trial_end);
      return [`Trial ends${on ? ` ${on}` : " soon"}: ${subscriptionCustomer(object)}`, plans(object), ids(object)];
    }
    case "invoice.payment_failed": {
      const amount = money(object.amount_due, object.currency);
      const attempt = num(object.attempt_count);
      const next = isoDate(object.next_payment_attempt);
      const url = str(object.hosted_invoice_url);
      return [
        `Payment failed: ${customer(object.customer_name, object.customer_email, object.customer)}${amount ? `, ${amount}` : ""}`,
        join([attempt !== undefined ? `attempt ${attempt}` : "", next ? `next attempt ${next}` : "no automatic retry scheduled"]),
        join([ids(object), url?.startsWith("https://") ? `<${esc(url)}|invoice>` : ""]),
      ];
    }
    case "checkout.session.completed": {
      const details = asObj(object.customer_details) ?? {};
      const who = customer(details.name, details.email ?? object.customer_email, object.customer);
      const mode = str(object.mode);
      const payment = str(object.payment_status)?.replace(/_/g, " ");
      return [
        `Checkout completed: ${who}`,
        join([money(object.amount_total, object.currency) ?? "", mode ? `${esc(mode)} mode` : "", payment ? esc(payment) : ""]),
        ids(object),
      ];
    }
    default:
      return undefined;
  }
}

/** "Jenny Rosen (jenny@example.com)", or whichever part is known, or the customer id. */
function customer(name: unknown, email: unknown, customerField: unknown): string {
  const expanded = asObj(customerField);
  const n = str(name) ?? str(expanded?.name);
  const e = str(email) ?? str(expanded?.email);
  if (n && e) return `${esc(n)} (${esc(e)})`;
  if (n || e) return esc((n ?? e)!);
  const id = str(customerField) ?? str(expanded?.id);
  return id ? esc(id) : "unknown customer";
}

function subscriptionCustomer(subscription: Obj): string {
  return customer(undefined, undefined, subscription.customer);
}

/** "Pro ($20.00/month)", "3 × Pro (at $20.00/month)"; several items joined with " + ". */
function plans(subscription: Obj): string {
  const items = asArray(asObj(subscription.items)?.data);
  return items
    .map((raw) => {
      const item = asObj(raw) ?? {};
      const price = asObj(item.price) ?? asObj(item.plan) ?? {};
      const name = str(price.nickname) ?? str(asObj(price.product)?.name) ?? str(price.id) ?? "unknown plan";
      const quantity = num(item.quantity) ?? 1;
      const amount = money(price.unit_amount ?? price.amount, price.currency ?? subscription.currency);
      const recurring = asObj(price.recurring) ?? price;
      const each = amount ? `${amount}${interval(recurring.interval, recurring.interval_count)}` : "";
      const label = quantity > 1 ? `${quantity} × ${esc(name)}` : esc(name);
      return each ? `${label} (${quantity > 1 ? "at " : ""}${each})` : label;
    })
    .join(" + ");
}

/** "/month", "/3 months". */
function interval(unit: unknown, count: unknown): string {
  const u = str(unit);
  if (!u) return "";
  const n = num(count) ?? 1;
  return n === 1 ? `/${u}` : `/${n} ${u}s`;
}

function periodEnd(subscription: Obj): unknown {
  // Newer API versions keep the period on each item; older ones on the subscription.
  const item = asObj(asArray(asObj(subscription.items)?.data)[0]);
  return item?.current_period_end ?? subscription.current_period_end;
}

function cancellation(subscription: Obj): string {
  const details = asObj(subscription.cancellation_details) ?? {};
  const parts = [str(details.reason), str(details.feedback)].filter((part) => part !== undefined).map((part) => part.replace(/_/g, " "));
  const comment = str(details.comment);
  if (comment) parts.push(`"${comment.length > 100 ? `${comment.slice(0, 100)}…` : comment}"`);
  return parts.length > 0 ? `reason: ${esc(parts.join(", "))}` : "";
}

/** The object's id (sub_, in_, cs_), for looking it up in the dashboard. */
function ids(object: Obj): string {
  return esc(str(object.id) ?? "");
}

function money(amount: unknown, currency: unknown): string | undefined {
  const value = num(amount);
  const code = str(currency);
  return value !== undefined && code ? formatMoney(value, code) : undefined;
}

/** YYYY-MM-DD (UTC) from unix seconds. */
function isoDate(seconds: unknown): string | undefined {
  const value = num(seconds);
  return value === undefined ? undefined : new Date(value * 1000).toISOString().slice(0, 10);
}

function join(parts: string[]): string {
  return parts.filter((part) => part !== "").join(" · ");
}


function asObj(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
