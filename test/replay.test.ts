/** A replay's rules (src/dev/history/replay.ts), on plain values: no dev worker. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { replayedMessage, type ReplaySource } from "../src/dev/services/replay.js";
import { bodyDigest } from "../src/dev/queue/queueStore.js";
import { HttpError } from "../src/dev/http/http.js";

const stripeBody = JSON.stringify({ type: "letsgo:stripe", payload: { id: "evt_1", type: "invoice.paid", data: { object: { amount_paid: 500 } } } });

function source(original: Partial<ReplaySource["original"]>, digests: Record<string, string> = {}): ReplaySource {
  return {
    original: { id: "m1", type: "OrderNew", body: '{"type":"OrderNew","payload":{"n":1}}', ...original },
    verifiedDigest: (key) => digests[key],
    maxMessageSize: 262_144,
    payloadSchemas: undefined,
  };
}

const refusal = (status: number, text: RegExp) => (error: unknown) => error instanceof HttpError && error.status === status && text.test(error.message);

describe("Function: replayedMessage", () => {
  it("replays a message as it was, or with its payload replaced, its attributes carried", () => {
    const attributes = { tenant: { dataType: "String" as const, value: "t1" } };
    assert.deepEqual(replayedMessage(source({ attributes })), { type: "OrderNew", body: '{"type":"OrderNew","payload":{"n":1}}', attributes });
    assert.equal(replayedMessage(source({}), { n: 2 }).body, '{"type":"OrderNew","payload":{"n":2}}');
  });

  it("refuses to replay as it was a body the history cut (409)", () => {
    assert.throws(() => replayedMessage(source({ bodyBytes: 300_000 })), refusal(409, /longer than the history keeps/));
  });

  it("replays a Stripe event only as the journal recorded it", () => {
    const original = { type: "letsgo:stripe", body: stripeBody };
    assert.equal(replayedMessage(source(original, { "stripe:evt_1": bodyDigest(stripeBody) })).type, "letsgo:stripe");
    const edited = stripeBody.replace("500", "1");
    assert.throws(() => replayedMessage(source({ ...original, body: edited }, { "stripe:evt_1": bodyDigest(stripeBody) })), refusal(409, /not the Stripe event that was verified/));
    assert.throws(() => replayedMessage(source(original)), refusal(409, /no verified record/));
  });

  it("never replays a Stripe event with a new payload: that would be a forged event (400)", () => {
    assert.throws(() => replayedMessage(source({ type: "letsgo:stripe", body: stripeBody }, { "stripe:evt_1": bodyDigest(stripeBody) }), { id: "evt_1" }), refusal(400, /letsgo:stripe/));
  });
});
