/**
 * POST /stripe on the dev worker, in-process (startDevWorker) on a real scaffold
 * (`init --yes`, no npm install) whose Stripe stubs were edited to record what
 * they get. Signatures come from the stripe library, as Stripe makes them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./support/cli.ts";
import Stripe from "stripe";
import { buildStripeTestEvent } from "../src/stripe/testEvents.js";
import { request, waitForEvent, useDevWorker } from "./support/devServer.js";
import { readCalls, recordStripeStubs, scaffoldProject, type ScaffoldedProject } from "./support/scaffold.js";

const SECRET = "whsec_letsgo_dev_test";

const dev = useDevWorker();
/** One scaffold per test; a test may start several dev workers on it, one after another. */
let project: ScaffoldedProject | undefined;

async function start(env: Record<string, string | number> = { STRIPE_WEBHOOK_SECRET: SECRET }) {
  if (!project) {
    const made = (project = await scaffoldProject(env));
    dev.release(async () => {
      project = undefined;
      await made.cleanup();
    });
  }
  await recordStripeStubs(project);
  const worker = await dev.worker({ projectDir: project.dir, schedule: false });
  assert.equal(worker.handler.loaded, true, worker.handler.error);
  return { project, worker };
}

function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp });
}

async function deliver(url: string, payload: string, signature?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== undefined) headers["stripe-signature"] = signature;
  const response = await fetch(`${url}/stripe`, { method: "POST", body: payload, headers });
  return { status: response.status, body: await response.json() };
}

describe("dev worker POST /stripe", () => {
  it("accepts a delivery signed by Stripe's library and routes it to the scaffold's stub for its type", async () => {
    const { project, worker } = await start();
    const payload = JSON.stringify(buildStripeTestEvent("invoice.paid"), null, 2);
    const event = JSON.parse(payload);
    const handled = waitForEvent(worker, "message:handled");
    const reply = await deliver(worker.url, payload, sign(payload));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.received, true);
    assert.equal(reply.body.eventId, event.id);
    assert.equal((await handled).id, reply.body.messageId);

    const calls = await readCalls(project.log);
    assert.equal(calls.length, 1);
    assert.deepEqual(
      { ...calls[0], requestId: undefined },
      { handler: "invoicePaid", messageType: "letsgo:stripe", eventType: "invoice.paid", id: event.id, stripeMode: "test", object: "invoice", source: "aws:sqs", requestId: undefined },
    );
  });

  it("refuses tampered, wrongly signed, stale, unsigned and malformed deliveries with 400, enqueueing nothing", async () => {
    const { project, worker } = await start();
    const before = (await request(worker.url, "GET", "/stats")).body;
    const payload = JSON.stringify(buildStripeTestEvent("customer.created"));
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const cases: Array<[string, string, string | undefined, RegExp]> = [
      ["tampered body", payload.replace('"livemode":false', '"livemode":true'), sign(payload), /does not match the body/],
      ["wrong secret", payload, sign(payload, { secret: "whsec_someone_else" }), /signed with another secret\.$/],
      ["stale timestamp", payload, sign(payload, { timestamp: tenMinutesAgo }), /outside the 300 s tolerance/],
      ["missing header", payload, undefined, /no Stripe-Signature header/],
      ["malformed header", payload, "t=soon,v1=", /malformed/],
      ["signed, but not JSON", "not json", sign("not json"), /not JSON/],
      ["signed, but not an event", '{"hello":1}', sign('{"hello":1}'), /not a Stripe event/],
    ];
    const refusals: Array<{ reason?: string; error: string; advice?: string }> = [];
    worker.on("stripe:refused", (refusal) => refusals.push(refusal));
    for (const [name, body, signature, reason] of cases) {
      const reply = await deliver(worker.url, body, signature);
      assert.equal(reply.status, 400, name);
      assert.match(reply.body.error, reason, name);
    }
    // Each refusal reaches dev's console; what to configure names dev's own secret, where it is set.
    assert.equal(refusals.length, cases.length);
    const wrongSecret = refusals.find((refusal) => /another secret/.test(refusal.error));
    assert.match(wrongSecret?.advice ?? "", /check that STRIPE_WEBHOOK_SECRET in apps\/worker\/\.env \(letsgo-worker dev reads it as it changes\) is the endpoint's signing secret \(with `stripe listen`, the whsec_\.\.\. it prints\)/);
    assert.deepEqual((await request(worker.url, "GET", "/stats")).body, before);
    assert.deepEqual(await readCalls(project.log), []);
  });

  it("without STRIPE_WEBHOOK_SECRET, verifies with the project's local secret: stripe trigger works right after init, other signatures are refused", async () => {
    const { project, worker } = await start({ STRIPE_WEBHOOK_SECRET: "" });
    const payload = JSON.stringify(buildStripeTestEvent("customer.created"));
    const foreign = await deliver(worker.url, payload, sign(payload));
    assert.equal(foreign.status, 400);
    assert.equal((await request(worker.url, "GET", "/stats")).body.visible, 0);
    const triggered = await runCli(["stripe", "trigger", "customer.created", "--cwd", project.dir, "--json"]);
    assert.equal(triggered.code, 0, triggered.stderr);
    assert.equal(JSON.parse(triggered.stdout).status, 200);
  });

  it("enqueues an event id once: retries, concurrent duplicates and a redelivery after a restart", async () => {
    const first = await start();
    const retried = JSON.stringify(buildStripeTestEvent("invoice.payment_failed"));
    const raced = JSON.stringify(buildStripeTestEvent("customer.subscription.created"));
    const handled = new Set<string>();
    first.worker.on("message:handled", (o: { id: string }) => handled.add(o.id));

    const original = await deliver(first.worker.url, retried, sign(retried));
    assert.equal(original.status, 200);
    assert.equal(original.body.duplicate, undefined);
    const retry = await deliver(first.worker.url, retried, sign(retried));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.match(retry.body.note, /already enqueued/);

    const replies = await Promise.all([1, 2, 3].map(() => deliver(first.worker.url, raced, sign(raced))));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200]);
    const accepted = replies.filter((r) => !r.body.duplicate);
    assert.equal(accepted.length, 1, "one of three concurrent deliveries is enqueued");

    const ids = [original.body.messageId, accepted[0]!.body.messageId];
    await new Promise<void>((resolve) => {
      const check = () => ids.every((id) => handled.has(id)) && resolve();
      first.worker.on("message:handled", check);
      check();
    });
    await first.worker.close();

    const { worker } = await start();
    const afterRestart = await deliver(worker.url, retried, sign(retried));
    assert.equal(afterRestart.status, 200);
    assert.equal(afterRestart.body.duplicate, true, "the seen id survived the restart");
    assert.equal((await request(worker.url, "GET", "/stats")).body.visible, 0);

    const calls = await readCalls(first.project.log);
    assert.deepEqual(calls.map((c) => c.eventType).sort(), ["customer.subscription.created", "invoice.payment_failed"]);
  });
});
