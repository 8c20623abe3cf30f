/**
 * createStripeWebhookHandler as an app mounts it: called as a Web-standard
 * Request → Response function, and served through toNodeHandler by a real
 * node:http server. Good signatures come from Stripe's own test-header helper.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { createQueueClient } from "../src/queue/enqueue.ts";
import { createStripeWebhookHandler, toNodeHandler, type StripeWebhookHandlerOptions } from "../src/queue/stripeWebhook.ts";
import type { StripeMessage } from "../src/runtime/stripeDispatcher.ts";
import { createLogger } from "../src/runtime/log.ts";
import { buildStripeTestEvent } from "../src/stripe/testEvents.ts";

const SECRET = "whsec_handler_test";

function signed(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
}

/** A handler whose enqueue records messages; log lines are kept, not printed. */
function recordingHandler(extra: Partial<StripeWebhookHandlerOptions> = {}) {
  const enqueued: StripeMessage[] = [];
  const logged: string[] = [];
  const handler = createStripeWebhookHandler({
    secret: SECRET,
    enqueue: async (message) => {
      enqueued.push(message);
      return { messageId: `m-${enqueued.length}` };
    },
    logger: createLogger({ write: (line) => logged.push(line) }),
    ...extra,
  });
  return { handler, enqueued, logged };
}

function request(body: string, headers: Record<string, string> = {}, method = "POST"): Request {
  return new Request("https://app.example/api/stripe", { method, body: method === "GET" ? undefined : body, headers: { "content-type": "application/json", ...headers } });
}

describe("Function: createStripeWebhookHandler (Request → Response)", () => {
  const event = buildStripeTestEvent("invoice.paid");
  const payload = JSON.stringify(event, null, 2);

  it("verifies the raw body, enqueues one letsgo:stripe message with the event and its mode, and answers 200 with the ids", async () => {
    const { handler, enqueued } = recordingHandler();
    const response = await handler(request(payload, { "stripe-signature": signed(payload) }));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: true, eventId: event.id, type: "invoice.paid", messageId: "m-1" });
    assert.equal(enqueued.length, 1);
    assert.deepEqual(enqueued[0], { type: "letsgo:stripe", payload: { ...event, stripeMode: "test" } });
  });

  it("refuses bad, stale, missing, malformed and wrong-secret signatures with 400, enqueueing nothing", async () => {
    const { handler, enqueued, logged } = recordingHandler();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const cases: Array<[string, string, Record<string, string>, string, RegExp]> = [
      ["changed body", payload.replace('"livemode": false', '"livemode": true'), { "stripe-signature": signed(payload) }, "bad-signature", /does not match the body/],
      ["wrong secret", payload, { "stripe-signature": signed(payload, { secret: "whsec_other" }) }, "bad-signature", /signed with another secret\.$/],
      ["stale", payload, { "stripe-signature": signed(payload, { timestamp: tenMinutesAgo }) }, "timestamp-outside-tolerance", /60[01] s old, outside the 300 s tolerance/], // 601 when a second ticks over mid-test
      ["missing", payload, {}, "missing-header", /no Stripe-Signature header/],
      ["malformed", payload, { "stripe-signature": "t=now,v1=zz" }, "malformed-header", /malformed/],
      ["not an event", '{"hello":1}', { "stripe-signature": signed('{"hello":1}') }, "invalid-event", /not a Stripe event/],
    ];
    for (const [name, body, headers, reason, message] of cases) {
      const response = await handler(request(body, headers));
      assert.equal(response.status, 400, name);
      const reply = (await response.json()) as { reason: string; error: string };
      assert.equal(reply.reason, reason, name);
      assert.match(reply.error, message, name);
      // What to configure is for the server's operator, not the sender: in the log, never in the reply.
      assert.doesNotMatch(JSON.stringify(reply), /STRIPE_WEBHOOK_SECRET|whsec_/, name);
    }
    assert.equal(enqueued.length, 0);
    const wrongSecret = logged.map((line) => JSON.parse(line)).find((line) => line.reason === "bad-signature" && /another secret/.test(line.error));
    assert.equal(wrongSecret?.level, "warn");
    assert.match(wrongSecret?.advice, /check that this app's STRIPE_WEBHOOK_SECRET \(an environment variable of the process serving this endpoint\) is the endpoint's signing secret/);
  });

  it("refuses a timestamp too far in the future as well as a stale one (stricter than Stripe's library), and honours a custom tolerance", async () => {
    const { handler } = recordingHandler();
    const ahead = Math.floor(Date.now() / 1000) + 600;
    const future = await handler(request(payload, { "stripe-signature": signed(payload, { timestamp: ahead }) }));
    assert.equal(future.status, 400);
    assert.match(((await future.json()) as { error: string }).error, /600 s in the future, outside the 300 s tolerance/);
    const lenient = recordingHandler({ tolerance: 900 }).handler;
    assert.equal((await lenient(request(payload, { "stripe-signature": signed(payload, { timestamp: ahead }) }))).status, 200);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    assert.equal((await lenient(request(payload, { "stripe-signature": signed(payload, { timestamp: tenMinutesAgo }) }))).status, 200);
  });

  it("answers 200 only after the enqueue has succeeded", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let settled = false;
    const handler = createStripeWebhookHandler({ secret: SECRET, enqueue: async () => (await gate, { messageId: "late" }) });
    const pending = handler(request(payload, { "stripe-signature": signed(payload) })).then((response) => {
      settled = true;
      return response;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "no answer while the enqueue is pending");
    release();
    assert.equal((await pending).status, 200);
  });

  it("answers 500 when the enqueue fails (so Stripe delivers again), naming the event, and logs why", async () => {
    const closed = http.createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const queue = createQueueClient({ localQueueUrl: `http://127.0.0.1:${port}`, env: {}, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    const logged: string[] = [];
    const handler = createStripeWebhookHandler({ secret: SECRET, enqueue: queue.enqueue, logger: createLogger({ write: (line) => logged.push(line) }) });
    const response = await handler(request(payload, { "stripe-signature": signed(payload) }));
    assert.equal(response.status, 500);
    const reply = (await response.json()) as { error: string; note?: string };
    assert.match(reply.error, new RegExp(`Event ${event.id} was verified but could not be enqueued \\(its server's log says why\\)`));
    assert.doesNotMatch(reply.error, /127\.0\.0\.1|ECONNREFUSED|letsgo-worker dev/, "the cause and what to do are the operator's, in the log");
    assert.equal(reply.note, undefined, "a transient failure: Stripe's retry may succeed");
    assert.equal(logged.length, 1);
    const line = JSON.parse(logged[0]!);
    assert.deepEqual(
      (({ level, msg, stripeEventId, errorName }) => ({ level, msg, stripeEventId, errorName }))(line),
      { level: "error", msg: "stripe webhook not enqueued", stripeEventId: event.id, errorName: "EnqueueError" },
    );
    assert.match(line.error, /ECONNREFUSED/);
  });

  it("answers 500 while no secret is configured, so no delivery is lost while it is being set", async () => {
    const saved = process.env.STRIPE_WEBHOOK_SECRET;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    try {
      const { handler, enqueued, logged } = recordingHandler({ secret: undefined });
      const response = await handler(request(payload, { "stripe-signature": signed(payload) }));
      assert.equal(response.status, 500);
      const reply = (await response.json()) as { reason: string; error: string };
      assert.equal(reply.reason, "no-secret");
      assert.doesNotMatch(reply.error, /STRIPE_WEBHOOK_SECRET|apps\/worker\/\.env|restart/, "no configuration advice to the caller");
      assert.equal(enqueued.length, 0);
      assert.equal(logged.length, 1);
      // The log names the process that lacks what: this app, its own environment variable.
      assert.match(JSON.parse(logged[0]!).advice, /^Set this app's STRIPE_WEBHOOK_SECRET \(an environment variable of the process serving this endpoint\) to the endpoint's whsec_/);
      process.env.STRIPE_WEBHOOK_SECRET = SECRET;
      assert.equal((await handler(request(payload, { "stripe-signature": signed(payload) }))).status, 200, "the secret is read on each request");
    } finally {
      if (saved === undefined) delete process.env.STRIPE_WEBHOOK_SECRET;
      else process.env.STRIPE_WEBHOOK_SECRET = saved;
    }
  });

  it("answers 405 to other methods and 413 to an oversized body", async () => {
    const { handler } = recordingHandler({ maxBodyBytes: 100 });
    const get = await handler(request("", {}, "GET"));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    assert.equal((await handler(request("x".repeat(200), { "stripe-signature": signed("x".repeat(200)) }))).status, 413);
  });
});

describe("Function: toNodeHandler (served by node:http)", () => {
  let server: http.Server;
  let url: string;
  let enqueued: StripeMessage[];
  let parsedFirst = false;

  before(async () => {
    const recording = recordingHandler();
    enqueued = recording.enqueued;
    const node = toNodeHandler(recording.handler);
    server = http.createServer(async (req, res) => {
      if (parsedFirst) {
        // What express.json() leaves behind: the body read and parsed.
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      }
      await node(req, res);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stripe`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("verifies what arrives on the wire and enqueues it; a forged delivery gets 400", async () => {
    const event = buildStripeTestEvent("customer.subscription.deleted");
    const payload = JSON.stringify(event);
    const good = await fetch(url, { method: "POST", body: payload, headers: { "content-type": "application/json", "stripe-signature": signed(payload) } });
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as { eventId: string }).eventId, event.id);
    assert.equal(enqueued.at(-1)?.payload.id, event.id);

    const count = enqueued.length;
    const forged = await fetch(url, { method: "POST", body: payload.replace(event.id, "evt_forged"), headers: { "stripe-signature": signed(payload) } });
    assert.equal(forged.status, 400);
    assert.equal(enqueued.length, count);
  });

  it("explains, with 500, a body a JSON parser consumed before the handler (the signature needs the raw bytes)", async () => {
    parsedFirst = true;
    try {
      const payload = JSON.stringify(buildStripeTestEvent("invoice.paid"));
      const response = await fetch(url, { method: "POST", body: payload, headers: { "stripe-signature": signed(payload) } });
      assert.equal(response.status, 500);
      assert.match(((await response.json()) as { error: string }).error, /already parsed .*before express\.json\(\), or give it express\.raw/);
    } finally {
      parsedFirst = false;
    }
  });
});
