import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatMoney, stripeNotification, type StripeEvent } from "../src/runtime/index.js";
import { buildStripeTestEvent } from "../src/stripe/testEvents.js";
import { SLACK_STRIPE_EVENT_TYPES, STRIPE_EVENT_TYPES, type StripeEventType } from "../src/project/stripeEvents.js";

// 2026-01-01T10:00:00Z: the test events' dates follow from it.
const NOW = Date.UTC(2026, 0, 1, 10, 0, 0);

function event(type: StripeEventType, change: (object: Record<string, any>, event: StripeEvent) => void = () => {}): StripeEvent {
  const built: StripeEvent = buildStripeTestEvent(type, NOW);
  change(built.data.object, built);
  return built;
}

/** What each notified type's text must contain, for the test events as built. */
const NOTIFIED: Partial<Record<StripeEventType, (object: Record<string, any>) => string[]>> = {
  "customer.subscription.created": (sub) => ["New subscription", sub.customer, sub.items.data[0].price.id, "$20.00/month", sub.id],
  "customer.subscription.deleted": (sub) => ["cancelled", sub.customer, "$20.00/month", sub.id],
  "customer.subscription.updated": (sub) => ["set to cancel on 2026-01-31", sub.customer, "$20.00/month", sub.id],
  "customer.subscription.trial_will_end": (sub) => ["Trial ends 2026-01-04", sub.customer, "$20.00/month", sub.id],
  "invoice.payment_failed": (inv) => ["Payment failed", inv.customer, "$20.00", "attempt 1", "next attempt 2026-01-02", inv.id, inv.hosted_invoice_url],
  "checkout.session.completed": (cs) => ["Checkout completed", "Jenny Rosen (jenny.rosen@example.com)", "$20.00", "subscription mode", cs.id],
};

describe("Function: stripeNotification", () => {
  for (const type of STRIPE_EVENT_TYPES) {
    const expected = NOTIFIED[type];
    it(`${expected ? "describes" : "ignores"} ${type}`, () => {
      // Prepare
      const built = event(type);
      // Act
      const text = stripeNotification(built);
      // Assess
      if (!expected) return assert.equal(text, undefined);
      assert.ok(text, `expected a text for ${type}`);
      assert.ok(text.startsWith("[test] "), text);
      const lines = text.split("\n");
      assert.ok(lines.length >= 1 && lines.length <= 3, text);
      for (const part of expected(built.data.object)) assert.ok(text.includes(part), `${JSON.stringify(part)} missing from:\n${text}`);
    });
  }

  it("ignores a subscription update that is not a newly scheduled cancellation", () => {
    const planChange = event("customer.subscription.updated", (sub, built) => {
      sub.cancel_at_period_end = false;
      built.data.previous_attributes = { items: {} };
    });
    const alreadyCancelling = event("customer.subscription.updated", (_sub, built) => {
      built.data.previous_attributes = { metadata: {} };
    });
    const cancelAtMoved = event("customer.subscription.updated", (sub, built) => {
      sub.cancel_at_period_end = false;
      sub.cancel_at = NOW / 1000 + 86400;
      built.data.previous_attributes = { cancel_at: NOW / 1000 + 2 * 86400 };
    });
    assert.equal(stripeNotification(planChange), undefined);
    assert.equal(stripeNotification(alreadyCancelling), undefined);
    assert.equal(stripeNotification(cancelAtMoved), undefined);
  });

  it("describes a newly set cancel_at with its date", () => {
    const built = event("customer.subscription.updated", (sub, e) => {
      sub.cancel_at_period_end = false;
      sub.cancel_at = Date.UTC(2026, 2, 15) / 1000;
      e.data.previous_attributes = { cancel_at: null };
    });
    assert.match(stripeNotification(built) ?? "", /set to cancel on 2026-03-15/);
  });

  it("shows the plan's nickname or product name, the quantity and a multi-month interval", () => {
    // Prepare
    const nickname = event("customer.subscription.created", (sub) => {
      Object.assign(sub.items.data[0], { quantity: 3 });
      Object.assign(sub.items.data[0].price, { nickname: "Team", recurring: { interval: "month", interval_count: 3 } });
    });
    const product = event("customer.subscription.created", (sub) => {
      sub.items.data[0].price.product = { id: "prod_1", name: "Pro" };
      sub.customer = { id: "cus_1", name: "Jenny Rosen", email: "jenny.rosen@example.com" };
    });
    // Act
    const [teamText, proText] = [stripeNotification(nickname), stripeNotification(product)];
    // Assess
    assert.match(teamText ?? "", /3 × Team \(at \$20\.00\/3 months\)/);
    assert.match(proText ?? "", /Jenny Rosen \(jenny\.rosen@example\.com\)/);
    assert.match(proText ?? "", /Pro \(\$20\.00\/month\)/);
  });

  it("shows the invoice's customer name and email, and no [test] mark for live events", () => {
    const built = event("invoice.payment_failed", (inv, e) => {
      Object.assign(inv, { customer_name: "Jenny Rosen", customer_email: "jenny.rosen@example.com", livemode: true, next_payment_attempt: null });
      e.livemode = true;
    });
    const text = stripeNotification(built) ?? "";
    assert.match(text, /^Payment failed: Jenny Rosen \(jenny\.rosen@example\.com\), \$20\.00$/m);
    assert.match(text, /no automatic retry scheduled/);
  });

  it("escapes Slack's control characters in customer-provided text", () => {
    const built = event("checkout.session.completed", (cs) => {
      cs.customer_details = { name: "<!channel> & co", email: null };
    });
    const text = stripeNotification(built) ?? "";
    assert.match(text, /Checkout completed: &lt;!channel&gt; &amp; co$/m);
    assert.ok(!text.includes("<!channel>"));
  });
});

describe("Function: formatMoney", () => {
  const cases: Array<[amount: number, currency: string, expected: string]> = [
    [2000, "usd", "$20.00"],
    [1999, "usd", "$19.99"],
    [5, "usd", "$0.05"],
    [123456789, "usd", "$1,234,567.89"],
    [-2000, "usd", "-$20.00"],
    [2000, "eur", "€20.00"],
    [500, "jpy", "¥500"],
    [500, "JPY", "¥500"],
    [1000, "krw", "₩1,000"],
    [1234, "kwd", "KWD 1.234"],
    [1230, "bhd", "BHD 1.230"],
    [123456, "huf", "HUF 1,234.56"],
    [1234, "xyz", "12.34 XYZ"],
  ];
  for (const [amount, currency, expected] of cases) {
    it(`formats ${amount} ${currency} as ${expected}`, () => {
      assert.equal(formatMoney(amount, currency), expected);
    });
  }
});

describe("the Slack event list and the runtime's notifications", () => {
  it("init scaffolds a Slack-posting handler for exactly the events stripeNotification has words for", () => {
    for (const type of STRIPE_EVENT_TYPES) {
      const posts = stripeNotification(buildStripeTestEvent(type) as unknown as StripeEvent) !== undefined;
      assert.equal(posts, SLACK_STRIPE_EVENT_TYPES.has(type), `${type}: ${posts ? "the runtime posts it, the scaffold does not" : "the scaffold posts it, the runtime has no words for it"}`);
    }
  });
});
