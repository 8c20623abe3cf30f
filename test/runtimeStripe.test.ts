import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Stripe from "stripe";
import {
  createStripeDispatcher,
  createWorkerHandler,
  ReservedMessageType,
  signStripePayload,
  StripeWebhookError,
  verifyStripeWebhook,
  type StripeEvent,
  type StripeEventHandler,
  type StripeMessage,
  type StripeWebhookFailure,
} from "../src/runtime/index.js";
import { capturedLogger, lambdaContext, sqsEvent } from "./support/awsEvents.js";

const stripe = new Stripe("sk_test_letsgo_worker_tests");
const SECRET = "whsec_letsgo_worker_test_secret";

function stripeEvent(type: string, id = `evt_${type.replace(/\W/g, "_")}`): StripeEvent {
  return { id, object: "event", type, created: 1767261600, livemode: false, data: { object: { id: "cs_test_1" } } };
}

function stripeMessage(event: StripeEvent): StripeMessage {
  return { type: ReservedMessageType.Stripe, payload: { ...event, stripeMode: "test" } };
}

describe("Function: createStripeDispatcher", () => {
  it("dispatches letsgo:stripe messages a second time on the Stripe event type", async () => {
    // Prepare
    const seen: string[] = [];
    const record: (name: string) => StripeEventHandler = (name) => async (message) => void seen.push(`${name}:${message.payload.id}`);
    const { logger } = capturedLogger();
    const stripeHandler = createStripeDispatcher(
      { "checkout.session.completed": record("checkout"), "invoice.paid": record("invoice") },
      { logger },
    );
    const handler = createWorkerHandler({ handlers: { [ReservedMessageType.Stripe]: stripeHandler }, logger });
    // Act
    const response = await handler(
      sqsEvent(stripeMessage(stripeEvent("checkout.session.completed", "evt_1")), stripeMessage(stripeEvent("invoice.paid", "evt_2"))),
      lambdaContext(),
    );
    // Assess
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.deepEqual(seen.sort(), ["checkout:evt_1", "invoice:evt_2"]);
  });

  it("acknowledges Stripe event types without a handler and logs them at debug level", async () => {
    // Prepare
    const { logger, lines } = capturedLogger("debug");
    const handler = createWorkerHandler({
      handlers: { [ReservedMessageType.Stripe]: createStripeDispatcher({}, { logger }) },
      logger,
    });
    // Act
    const response = await handler(sqsEvent(stripeMessage(stripeEvent("charge.refunded", "evt_9"))), lambdaContext());
    // Assess
    assert.deepEqual(response, { batchItemFailures: [] });
    const ignored = lines.find((line) => line.stripeType === "charge.refunded");
    assert.equal(ignored?.level, "debug");
    assert.equal(ignored?.stripeEventId, "evt_9");
  });

  it("fails the record when a Stripe event handler throws", async () => {
    const { logger } = capturedLogger();
    const failing: StripeEventHandler = async () => Promise.reject(new Error("customer not found"));
    const handler = createWorkerHandler({
      handlers: { [ReservedMessageType.Stripe]: createStripeDispatcher({ "invoice.paid": failing }, { logger }) },
      logger,
    });
    const event = sqsEvent(stripeMessage(stripeEvent("invoice.paid")));
    const response = await handler(event, lambdaContext());
    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] });
  });

  it("fails a letsgo:stripe message whose payload is not a Stripe event", async () => {
    const { logger, lines } = capturedLogger();
    const handler = createWorkerHandler({
      handlers: { [ReservedMessageType.Stripe]: createStripeDispatcher({}, { logger }) },
      logger,
    });
    const event = sqsEvent({ type: ReservedMessageType.Stripe, payload: { id: "evt_x" } });
    const response = await handler(event, lambdaContext());
    assert.equal(response?.batchItemFailures.length, 1);
    assert.match(String(lines.find((line) => line.level === "error")?.error), /Stripe message payload has no string "type"/);
  });
});

describe("Function: verifyStripeWebhook", () => {
  const payload = JSON.stringify(stripeEvent("checkout.session.completed", "evt_webhook"), null, 2);

  function header(options: { payload?: string; secret?: string; timestamp?: number } = {}): string {
    return stripe.webhooks.generateTestHeaderString({
      payload: options.payload ?? payload,
      secret: options.secret ?? SECRET,
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    });
  }

  function rejectsWith(reason: StripeWebhookFailure, message: RegExp) {
    return (error: unknown) => {
      assert.ok(error instanceof StripeWebhookError, `expected StripeWebhookError, got ${String(error)}`);
      assert.equal(error.reason, reason);
      assert.match(error.message, message);
      return true;
    };
  }

  it("accepts a body signed by Stripe's own test header and returns the event", () => {
    const event = verifyStripeWebhook(payload, header(), SECRET);
    assert.deepEqual(event, JSON.parse(payload));
  });

  it("accepts the raw body as a Buffer", () => {
    const event = verifyStripeWebhook(Buffer.from(payload, "utf8"), header(), SECRET);
    assert.equal(event.id, "evt_webhook");
  });

  it("accepts a header that also carries other signatures", () => {
    const signed = header();
    const withOldSecret = header({ secret: "whsec_rotated_out" }).split(",")[1]!;
    assert.equal(verifyStripeWebhook(payload, `${signed},${withOldSecret}`, SECRET).id, "evt_webhook");
  });

  it("rejects when no secret is configured", () => {
    for (const secret of [undefined, ""]) {
      assert.throws(
        () => verifyStripeWebhook(payload, header(), secret),
        (error: unknown) => rejectsWith("no-secret", /No Stripe webhook secret is configured/)(error) && /Set STRIPE_WEBHOOK_SECRET to the endpoint's whsec_/.test((error as StripeWebhookError).advice ?? ""),
      );
    }
  });

  it("rejects a request without a Stripe-Signature header", () => {
    assert.throws(() => verifyStripeWebhook(payload, undefined, SECRET), rejectsWith("missing-header", /no Stripe-Signature header/));
  });

  it("rejects a header that is not a Stripe signature header", () => {
    assert.throws(() => verifyStripeWebhook(payload, "Bearer abc", SECRET), rejectsWith("malformed-header", /no timestamp/));
  });

  it("rejects a body signed with another secret", () => {
    assert.throws(
      () => verifyStripeWebhook(payload, header({ secret: "whsec_someone_else" }), SECRET),
      rejectsWith("bad-signature", /does not match/),
    );
  });

  it("rejects a body changed after signing", () => {
    const tampered = payload.replace("evt_webhook", "evt_forged");
    assert.throws(() => verifyStripeWebhook(tampered, header(), SECRET), rejectsWith("bad-signature", /does not match/));
  });

  it("rejects a signature older than the tolerance, and honours a custom tolerance", () => {
    const now = Date.now();
    const sixMinutesAgo = Math.floor(now / 1000) - 360;
    const old = header({ timestamp: sixMinutesAgo });
    assert.throws(
      () => verifyStripeWebhook(payload, old, SECRET, { now: () => now }),
      rejectsWith("timestamp-outside-tolerance", /300 s tolerance/),
    );
    assert.equal(verifyStripeWebhook(payload, old, SECRET, { now: () => now, tolerance: 600 }).id, "evt_webhook");
  });

  it("accepts a signature just inside the default tolerance", () => {
    const now = Date.now();
    const signed = header({ timestamp: Math.floor(now / 1000) - 300 });
    assert.equal(verifyStripeWebhook(payload, signed, SECRET, { now: () => now }).id, "evt_webhook");
  });

  it("rejects a correctly signed body that is not JSON", () => {
    const notJson = "this is not json";
    assert.throws(
      () => verifyStripeWebhook(notJson, header({ payload: notJson }), SECRET),
      rejectsWith("invalid-json", /not JSON/),
    );
  });

  it("rejects a correctly signed JSON body that is not an event", () => {
    const notEvent = JSON.stringify({ hello: "world" });
    assert.throws(
      () => verifyStripeWebhook(notEvent, header({ payload: notEvent }), SECRET),
      rejectsWith("invalid-event", /not a Stripe event/),
    );
  });

  it("agrees with the stripe library on what it accepts", () => {
    const signed = header();
    assert.equal(stripe.webhooks.constructEvent(payload, signed, SECRET).id, verifyStripeWebhook(payload, signed, SECRET).id);
  });
});

describe("Function: signStripePayload", () => {
  const payload = JSON.stringify(stripeEvent("invoice.paid", "evt_signed"), null, 2);

  it("writes the header Stripe's library writes for the same payload, secret and time", () => {
    const timestamp = 1767261600;
    assert.equal(signStripePayload(payload, SECRET, timestamp), stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp }));
  });

  it("signs so that Stripe's constructEvent accepts it", () => {
    const event = stripe.webhooks.constructEvent(payload, signStripePayload(payload, SECRET), SECRET);
    assert.equal(event.id, "evt_signed");
  });

  it("signs so that verifyStripeWebhook accepts it, and another secret does not", () => {
    const header = signStripePayload(Buffer.from(payload, "utf8"), SECRET);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyStripeWebhook(payload, header, SECRET).id, "evt_signed");
    assert.throws(() => verifyStripeWebhook(payload, signStripePayload(payload, "whsec_other"), SECRET), StripeWebhookError);
  });

  it("dates the signature now unless told otherwise", () => {
    const now = Math.floor(Date.now() / 1000);
    const t = Number(/^t=(\d+),/.exec(signStripePayload(payload, SECRET))?.[1]);
    assert.ok(t >= now && t <= now + 1, `timestamp ${t}, now ${now}`);
  });
});
