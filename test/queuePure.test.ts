/**
 * The pure parts of letsgo-worker/queue: the checks every message passes, how
 * messages are grouped into requests, the backoff, and the target rule.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkAttributes, checkDelaySeconds, checkMessage, checkRecordAttributes } from "../src/queue/validate.ts";
import { utf8Length } from "../src/runtime/messageRules.ts";
import { DEFAULT_RETRY, planBatches, retryDelayMs } from "../src/queue/batches.ts";
import { parseSqsQueueUrl, resolveQueueTarget } from "../src/queue/target.ts";
import { EnqueueError, MessageValidationError, QueueConfigError } from "../src/queue/errors.ts";

const LIMIT = 262_144;

function refusal(value: unknown, pattern: RegExp, label = "message") {
  assert.throws(
    () => checkMessage(value, 3, label, LIMIT),
    (error: unknown) => {
      assert.ok(error instanceof MessageValidationError, String(error));
      assert.equal(error.index, 3);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe("Function: checkMessage", () => {
  it("builds the body {type, payload} and measures it in UTF-8 bytes", () => {
    const checked = checkMessage({ type: "OrderNew", payload: { name: "Zoë 🚀" } }, 0, "message", LIMIT);
    assert.equal(checked.body, '{"type":"OrderNew","payload":{"name":"Zoë 🚀"}}');
    assert.equal(checked.bytes, Buffer.byteLength(checked.body));
    assert.equal(checked.type, "OrderNew");
  });

  it("sends a missing payload as null", () => {
    assert.equal(checkMessage({ type: "Ping" }, 0, "message", LIMIT).body, '{"type":"Ping","payload":null}');
  });

  it("accepts the reserved types the runtime defines", () => {
    for (const type of ["letsgo:contact", "letsgo:stripe", "letsgo:tenant:new", "letsgo:tenant:deleted"]) {
      assert.equal(checkMessage({ type, payload: {} }, 0, "message", LIMIT).type, type);
    }
  });

  it("refuses what is not a {type, payload} message, naming the message and the field", () => {
    refusal(null, /^message must be an object \{ type, payload \}, got null/);
    refusal([{ type: "A" }], /got an array/);
    refusal({ payload: {} }, /^messages\[3\]\.type must be a non-empty string .*got undefined/, "messages[3]");
    refusal({ type: "  ", payload: {} }, /\.type must be a non-empty string/);
    refusal({ type: 7, payload: {} }, /got 7/);
    refusal({ type: "A", payload: {}, delaySeconds: 5 }, /a field besides type and payload \("delaySeconds"\), which would not be sent/);
  });

  it("refuses reserved letsgo: types the runtime does not define", () => {
    refusal({ type: "letsgo:scheduled-run", payload: {} }, /"letsgo:scheduled-run" is reserved: .*defines letsgo:contact, letsgo:stripe/);
  });

  it("refuses payloads JSON would drop, mangle or throw on, with the path to the value", () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: Array<[unknown, RegExp]> = [
      [{ at: () => 1 }, /payload\.at is a function/],
      [{ list: [1, Symbol("x")] }, /payload\.list\[1\] is a symbol/],
      [{ big: 10n }, /payload\.big is a BigInt.*as a string/],
      [{ n: Number.NaN }, /payload\.n is NaN.*arrive as null/],
      [{ "odd key": Infinity }, /payload\["odd key"\] is Infinity/],
      [{ seen: new Map([["a", 1]]) }, /payload\.seen is a Map, which JSON would send as \{\}/],
      [new Set([1]), /payload is a Set/],
      [{ bytes: new Uint8Array(2) }, /payload\.bytes is binary data/],
      [circular, /payload\.self refers back to an enclosing object/],
    ];
    for (const [payload, pattern] of cases) refusal({ type: "A", payload }, pattern);
  });

  it("lets through values that say how they serialise (Date, Buffer), and shared (non-circular) references", () => {
    const shared = { id: 1 };
    const checked = checkMessage({ type: "A", payload: { at: new Date(0), twice: [shared, shared] } }, 0, "message", LIMIT);
    assert.deepEqual(JSON.parse(checked.body).payload, { at: "1970-01-01T00:00:00.000Z", twice: [{ id: 1 }, { id: 1 }] });
  });

  it("refuses a body over the size limit, and takes one exactly at it", () => {
    const base = Buffer.byteLength('{"type":"A","payload":""}');
    assert.equal(checkMessage({ type: "A", payload: "x".repeat(1024 - base) }, 0, "message", 1024).bytes, 1024);
    assert.throws(() => checkMessage({ type: "A", payload: "é".repeat(600) }, 0, "message", 1024), /message is 1225 bytes as JSON; the worker takes at most 1024 bytes per message \(LETSGO_WORKER_MAX_MESSAGE_SIZE\)/);
  });

  it("escapes the two characters SQS refuses, so the body parses back to the same payload", () => {
    const checked = checkMessage({ type: "A", payload: "a\uFFFEb\uFFFF" }, 0, "message", LIMIT);
    assert.doesNotMatch(checked.body, /[\uFFFE\uFFFF]/);
    assert.equal(JSON.parse(checked.body).payload, "a\uFFFEb\uFFFF");
  });
});

describe("Function: checkDelaySeconds", () => {
  it("takes 0-900 whole seconds, 0 when absent", () => {
    assert.equal(checkDelaySeconds(undefined), 0);
    assert.equal(checkDelaySeconds(900), 900);
    for (const bad of [-1, 901, 1.5, "30", Number.NaN]) assert.throws(() => checkDelaySeconds(bad), /delaySeconds must be a whole number of seconds from 0 to 900/);
  });
});

describe("Function: utf8Length", () => {
  it("agrees with Buffer.byteLength, surrogate pairs and lone surrogates included", () => {
    for (const text of ["", "abc", "é", "€", "🚀", "a\uD800b", "\uDC00", "x🚀y€z"]) assert.equal(utf8Length(text), Buffer.byteLength(text), JSON.stringify(text));
  });
});

describe("Function: planBatches", () => {
  it("groups in input order by at most 10 messages", () => {
    const batches = planBatches(new Array(25).fill(10), 10, 1000);
    assert.deepEqual(batches.map((b) => b.length), [10, 10, 5]);
    assert.deepEqual(batches.flat(), [...Array(25).keys()]);
  });

  it("starts a new request before the byte limit would be passed", () => {
    assert.deepEqual(planBatches([400, 400, 300, 100, 900], 10, 1000), [[0, 1], [2, 3], [4]]);
  });

  it("sends a message larger than the limit alone (the target judges it)", () => {
    assert.deepEqual(planBatches([10, 5000, 10], 10, 1000), [[0], [1], [2]]);
  });

  it("plans nothing for no messages", () => {
    assert.deepEqual(planBatches([], 10, 1000), []);
  });
});

describe("Function: retryDelayMs", () => {
  it("doubles from the base up to the cap, jittered within the upper half", () => {
    const low = () => 0;
    const high = () => 1;
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, DEFAULT_RETRY, high)), [200, 400, 800, 1600, 1600]);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, DEFAULT_RETRY, low)), [100, 200, 400, 800, 800]);
  });

  it("keeps the default policy's total wait within about three seconds", () => {
    let total = 0;
    for (let n = 1; n < DEFAULT_RETRY.attempts; n++) total += retryDelayMs(n, DEFAULT_RETRY, () => 1);
    assert.equal(total, 3000);
  });
});

describe("Function: parseSqsQueueUrl", () => {
  it("reads region, account and name from AWS queue URLs", () => {
    assert.deepEqual(parseSqsQueueUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/letsgo-prod-worker"), {
      account: "123456789012",
      name: "letsgo-prod-worker",
      region: "eu-central-1",
      awsHost: true,
    });
    assert.equal(parseSqsQueueUrl("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q").region, "cn-north-1");
    assert.equal(parseSqsQueueUrl("https://us-west-2.queue.amazonaws.com/123456789012/q").region, "us-west-2");
  });

  it("takes an emulator's URL with the same path, without a region", () => {
    assert.deepEqual(parseSqsQueueUrl("http://127.0.0.1:4566/000000000000/q"), { account: "000000000000", name: "q", awsHost: false });
  });

  it("refuses what is not a queue URL, pointing at status and at the dev worker setting", () => {
    for (const bad of ["http://localhost:3002", "letsgo-prod-worker", "https://sqs.us-east-1.amazonaws.com/12345/q", "ftp://x/123456789012/q"]) {
      assert.throws(() => parseSqsQueueUrl(bad), (error: unknown) => {
        assert.ok(error instanceof QueueConfigError);
        assert.match(error.message, /is not an SQS queue URL.*letsgo-worker status.*LETSGO_LOCAL_QUEUE_URL/);
        return true;
      });
    }
  });
});

describe("Function: resolveQueueTarget", () => {
  it("sends to SQS when LETSGO_WORKER_QUEUE_URL is set, with the region from the URL", () => {
    assert.deepEqual(resolveQueueTarget({ LETSGO_WORKER_QUEUE_URL: "https://sqs.us-west-2.amazonaws.com/123456789012/q", LETSGO_LOCAL_QUEUE_URL: "http://localhost:4000" }), {
      kind: "sqs",
      queueUrl: "https://sqs.us-west-2.amazonaws.com/123456789012/q",
      region: "us-west-2",
    });
  });

  it("calls AWS_ENDPOINT_URL(_SQS) when set, and an emulator's own host otherwise", () => {
    const url = "https://sqs.us-west-2.amazonaws.com/123456789012/q";
    assert.equal((resolveQueueTarget({ LETSGO_WORKER_QUEUE_URL: url, AWS_ENDPOINT_URL: "http://127.0.0.1:5000" }) as { endpoint?: string }).endpoint, "http://127.0.0.1:5000");
    assert.equal(
      (resolveQueueTarget({ LETSGO_WORKER_QUEUE_URL: url, AWS_ENDPOINT_URL: "http://a:1", AWS_ENDPOINT_URL_SQS: "http://b:2" }) as { endpoint?: string }).endpoint,
      "http://b:2",
    );
    assert.equal((resolveQueueTarget({ LETSGO_WORKER_QUEUE_URL: "http://127.0.0.1:9324/000000000000/q" }) as { endpoint?: string }).endpoint, "http://127.0.0.1:9324");
  });

  it("sends to the dev worker otherwise: LETSGO_LOCAL_QUEUE_URL, else localhost:3002", () => {
    assert.deepEqual(resolveQueueTarget({}), { kind: "dev", url: "http://localhost:3002" });
    assert.deepEqual(resolveQueueTarget({ LETSGO_WORKER_QUEUE_URL: " ", LETSGO_LOCAL_QUEUE_URL: "http://127.0.0.1:3011/" }), { kind: "dev", url: "http://127.0.0.1:3011" });
    assert.throws(() => resolveQueueTarget({ LETSGO_LOCAL_QUEUE_URL: "localhost:3002" }), /LETSGO_LOCAL_QUEUE_URL "localhost:3002" must be an http\(s\) URL|is not a URL/);
  });
});

describe("Class: EnqueueError", () => {
  it("names each refused message, says how many were accepted, and gives ids in input order", () => {
    const error = new EnqueueError("the dev worker at http://127.0.0.1:1", [{ index: 0, messageId: "a" }, { index: 2, messageId: "c" }], [
      { index: 1, type: "Big", reason: "too large", code: "HTTP 413", retriable: false },
    ]);
    assert.match(error.message, /^1 of 3 messages were not accepted by the dev worker at http:\/\/127\.0\.0\.1:1 \(2 were; their ids are in error\.accepted\):\n  #1 \(Big\): too large$/);
    assert.deepEqual(error.messageIds, ["a", undefined, "c"]);
  });

  it("says a reason shared by many messages once, with their indexes as ranges", () => {
    const failed = [0, 1, 2, 3, 7].map((index) => ({ index, type: "OrderNew", reason: "no answer (ECONNREFUSED)", code: "NetworkError", retriable: true }));
    const error = new EnqueueError("the dev worker at http://localhost:3002", [], failed);
    assert.equal(error.message, "5 of 5 messages were not accepted by the dev worker at http://localhost:3002 (0 were; their ids are in error.accepted):\n  #0-#3, #7 (OrderNew): no answer (ECONNREFUSED)");
  });
});

describe("Function: checkMessage (depth)", () => {
  it("refuses a payload nested deeper than 100 levels, without overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    assert.throws(() => checkMessage({ type: "A", payload: deep }, 0, "message", 10_000_000), /nests arrays and objects more than 100 levels deep/);
    let ok: unknown = 1;
    for (let i = 0; i < 99; i++) ok = [ok];
    assert.equal(checkMessage({ type: "A", payload: ok }, 0, "message", 10_000_000).type, "A");
  });
});

describe("Function: checkAttributes / checkRecordAttributes (SQS's rules for message attributes)", () => {
  const good = checkAttributes({ tenant: "acme", "a.b-c_1": "x", priority: 3, ratio: 0.5 }, "attributes");
  it("takes strings as String and numbers as Number, and counts name, type and value bytes", () => {
    assert.deepEqual(good.attributes, {
      tenant: { dataType: "String", value: "acme" },
      "a.b-c_1": { dataType: "String", value: "x" },
      priority: { dataType: "Number", value: "3" },
      ratio: { dataType: "Number", value: "0.5" },
    });
    assert.equal(good.bytes, "tenant".length + 6 + 4 + "a.b-c_1".length + 6 + 1 + "priority".length + 6 + 1 + "ratio".length + 6 + 3);
  });
  for (const [name, value, pattern] of [
    ["eleven attributes", Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, "x"])), /has 11 attributes; SQS takes at most 10/],
    ["a name with a space", { "bad name": "x" }, /attributes\.bad name is not a valid attribute name/],
    ["a name SQS reserves", { "aws.trace": "x" }, /is reserved: SQS keeps names starting with AWS\. or Amazon\./],
    ["a leading period", { ".x": "x" }, /may not start or end with a period/],
    ["two periods in a row", { "a..b": "x" }, /may not start or end with a period, nor hold two in a row/],
    ["an empty value", { a: "" }, /attributes\.a must be a non-empty string or a finite number, got ""/],
    ["NaN", { a: Number.NaN }, /must be a non-empty string or a finite number/],
    ["an object value", { a: { nested: 1 } }, /must be a non-empty string or a finite number/],
    ["not an object", ["a"], /attributes must be an object of name: value/],
  ] as const) {
    it(`refuses ${name}`, () => assert.throws(() => checkAttributes(value, "attributes"), pattern));
  }
  it("reads Lambda's record shape, keeping a Number's text, with the same rules", () => {
    assert.deepEqual(checkRecordAttributes({ n: { dataType: "Number", stringValue: "3.50" }, s: { dataType: "String", stringValue: "v" } }, "m").attributes, {
      n: { dataType: "Number", value: "3.50" },
      s: { dataType: "String", value: "v" },
    });
    assert.throws(() => checkRecordAttributes({ n: { dataType: "Number", stringValue: "lots" } }, "m"), /m\.n\.stringValue must be a number for dataType "Number"/);
    assert.throws(() => checkRecordAttributes({ b: { dataType: "Binary", binaryValue: "AA==" } }, "m"), /m\.b\.dataType must be "String" or "Number"/);
    assert.throws(() => checkRecordAttributes({ "AWS.x": { dataType: "String", stringValue: "v" } }, "m"), /is reserved/);
  });
});
