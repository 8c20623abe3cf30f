/**
 * One contract, two targets: the same cases run through `enqueue()` against a
 * real dev worker (HTTP on loopback, its handler recording what arrives) and
 * against SQS (moto, the queue read back), and must end the same way: ids in
 * input order, messages intact, arrays split, the same validation errors with
 * nothing sent, a refused entry named by its index, transient failures retried,
 * a target that stays down reported for every message.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createQueueClient, type QueueClient } from "../src/queue/enqueue.ts";
import { EnqueueError, MessageValidationError } from "../src/queue/errors.ts";
import { startDevWorker, type DevWorker } from "../src/dev/worker.ts";
import { makeProject, readLog, RECORDING_HANDLER, type TestProject } from "./support/devServer.ts";
import { startFlakyProxy, type FlakyProxy } from "./support/flakyProxy.ts";
import { startMoto, useMotoEnv, type Moto } from "./support/moto.ts";

interface ContractTarget {
  name: string;
  /** Environment that makes enqueue() send to this target. */
  env(): Record<string, string | undefined>;
  /** The same target kind, refusing messages over 1,024 bytes. */
  smallEnv(): Record<string, string | undefined>;
  /** Bodies by message id, once every id has arrived (bounded wait). */
  readBack(ids: string[], small?: boolean): Promise<Map<string, string>>;
  /** Every message the target holds or has handled: unchanged means nothing was sent. */
  total(): Promise<number>;
  /** Each message's attributes as the worker gets them: { name: { dataType, stringValue } }. */
  attributesOf(ids: string[]): Promise<Map<string, Record<string, { dataType: string; stringValue?: string }>>>;
  delayed(): Promise<number>;
  failNext(count: number): void;
  failAll(on: boolean): void;
  /** Requests that reached the target's front door so far. */
  requests(): number;
}

/** Poll a state until `done`, at most `ms`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function devTarget(): ContractTarget & { start(): Promise<void>; stop(): Promise<void> } {
  let project: TestProject;
  let smallProject: TestProject;
  let worker: DevWorker;
  let smallWorker: DevWorker;
  let proxy: FlakyProxy;
  const bodies = async (log: string) => new Map((await readLog(log)).flatMap((batch) => batch.event.Records.map((r) => [r.messageId, r.body] as const)));
  return {
    name: "the dev worker",
    async start() {
      project = await makeProject({ handler: RECORDING_HANDLER });
      smallProject = await makeProject({ handler: RECORDING_HANDLER, env: { LETSGO_WORKER_MAX_MESSAGE_SIZE: 1024 } });
      worker = await startDevWorker({ projectDir: project.dir, port: 0, watch: false, schedule: false });
      smallWorker = await startDevWorker({ projectDir: smallProject.dir, port: 0, watch: false, schedule: false });
      proxy = await startFlakyProxy(worker.url);
    },
    async stop() {
      await proxy?.stop();
      await worker?.close();
      await smallWorker?.close();
      await project?.cleanup();
      await smallProject?.cleanup();
    },
    env: () => ({ LETSGO_LOCAL_QUEUE_URL: proxy.url }),
    smallEnv: () => ({ LETSGO_LOCAL_QUEUE_URL: smallWorker.url }),
    async readBack(ids, small) {
      const log = small ? smallProject.log : project.log;
      return eventually(() => bodies(log), (seen) => ids.every((id) => seen.has(id)));
    },
    async attributesOf(ids) {
      const records = async () => new Map((await readLog(project.log)).flatMap((batch) => batch.event.Records.map((r) => [r.messageId, r.messageAttributes] as const)));
      const seen = await eventually(records, (map) => ids.every((id) => map.has(id)));
      return new Map(ids.map((id) => [id, Object.fromEntries(Object.entries(seen.get(id) ?? {}).map(([name, a]) => [name, { dataType: a.dataType, stringValue: a.stringValue }]))]));
    },
    async total() {
      const s = worker.stats();
      return s.visible + s.inFlight + s.delayed + s.dead + s.processed + s.failed;
    },
    delayed: async () => worker.stats().delayed,
    failNext: (count) => proxy.failNext(count),
    failAll: (on) => proxy.failAll(on),
    requests: () => proxy.requests,
  };
}

function sqsTarget(): ContractTarget & { start(): Promise<void>; stop(): Promise<void> } {
  let moto: Moto;
  let restore: () => void;
  let sqs: SQSClient;
  const queues = { main: "", small: "" };
  const seen = new Map<string, string>();
  let requests = 0;
  let toFail = 0;
  let failing = false;
  // The URL as AWS forms it (what `status` prints); AWS_ENDPOINT_URL points the SDK at moto.
  const awsUrl = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
  const attributes = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes ?? {};
  return {
    name: "SQS (moto)",
    async start() {
      moto = await startMoto();
      restore = useMotoEnv(moto);
      sqs = new SQSClient({});
      queues.main = (await sqs.send(new CreateQueueCommand({ QueueName: "contract" }))).QueueUrl!;
      queues.small = (await sqs.send(new CreateQueueCommand({ QueueName: "contract-small", Attributes: { MaximumMessageSize: "1024" } }))).QueueUrl!;
      moto.failWhen((request) => {
        if (!request.operation?.endsWith("SendMessageBatch")) return false;
        requests++;
        if (failing) return true;
        if (toFail > 0) return toFail-- > 0;
        return false;
      });
    },
    async stop() {
      sqs?.destroy();
      restore?.();
      await moto?.stop();
    },
    env: () => ({ LETSGO_WORKER_QUEUE_URL: awsUrl("contract"), AWS_ENDPOINT_URL: moto.endpoint }),
    smallEnv: () => ({ LETSGO_WORKER_QUEUE_URL: awsUrl("contract-small"), AWS_ENDPOINT_URL: moto.endpoint }),
    async readBack(ids, small) {
      const url = small ? queues.small : queues.main;
      for (let round = 0; round < 100 && !ids.every((id) => seen.has(id)); round++) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0 }));
        for (const message of out.Messages ?? []) seen.set(message.MessageId!, message.Body!);
      }
      return seen;
    },
    async attributesOf(ids) {
      const found = new Map<string, Record<string, { dataType: string; stringValue?: string }>>();
      for (let round = 0; round < 100 && !ids.every((id) => found.has(id)); round++) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queues.main, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }),
        );
        for (const m of out.Messages ?? []) {
          seen.set(m.MessageId!, m.Body!);
          found.set(m.MessageId!, Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [name, { dataType: a.DataType!, stringValue: a.StringValue! }])));
        }
      }
      return found;
    },
    async total() {
      const a = await attributes(queues.main);
      return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed);
    },
    delayed: async () => Number((await attributes(queues.main)).ApproximateNumberOfMessagesDelayed),
    failNext: (count) => void (toFail = count),
    failAll: (on) => void (failing = on),
    requests: () => requests,
  };
}

const targets = [devTarget(), sqsTarget()];
/** What each target said to the same bad inputs: compared at the end. */
const validationMessages = new Map<string, string[]>();

for (const target of targets) {
  describe(`Contract: enqueue() → ${target.name}`, () => {
    let client: QueueClient;
    const fast = { attempts: 3, baseDelayMs: 20, maxDelayMs: 40 };

    before(async () => {
      await target.start();
      client = createQueueClient({ env: target.env(), retry: fast });
    });
    after(async () => {
      client?.close();
      await target.stop();
    });

    it("carries message attributes to the worker as SQS does (String and Number), for every message of the call", async () => {
      const ids = await client.enqueue([{ type: "OrderNew", payload: { n: 1 } }, { type: "OrderNew", payload: { n: 2 } }], { attributes: { tenant: "acme", priority: 3 } });
      const seen = await target.attributesOf(ids);
      for (const id of ids) {
        assert.deepEqual(seen.get(id), { tenant: { dataType: "String", stringValue: "acme" }, priority: { dataType: "Number", stringValue: "3" } });
      }
      await assert.rejects(client.enqueue({ type: "OrderNew", payload: {} }, { attributes: { "AWS.trace": "x" } }), /attributes\.AWS\.trace is reserved/);
      await assert.rejects(client.enqueue({ type: "OrderNew", payload: {} }, { attributes: { empty: "" } }), /attributes\.empty must be a non-empty string or a finite number/);
    });

    it("returns the id of a single message, which arrives byte for byte", async () => {
      const message = { type: "OrderNew", payload: { orderId: "o_1", note: "Zoë 🚀 \"quoted\"", lines: [1, 2.5, null, true] } };
      const ids = await client.enqueue(message);
      assert.equal(ids.length, 1);
      const arrived = await target.readBack(ids);
      assert.equal(arrived.get(ids[0]!), JSON.stringify(message));
    });

    it("splits an array of 25 into requests of at most 10 and returns the ids in input order", async () => {
      const before = target.requests();
      const messages = Array.from({ length: 25 }, (_, n) => ({ type: "OrderNew", payload: { n } }));
      const ids = await client.enqueue(messages);
      assert.equal(new Set(ids).size, 25);
      const arrived = await target.readBack(ids);
      assert.deepEqual(ids.map((id) => JSON.parse(arrived.get(id)!).payload.n), [...Array(25).keys()]);
      assert.equal(target.requests() - before, 3);
    });

    it("lets calls made together share requests: 25 single-message calls at once go in 3, each call getting its own id", async () => {
      const before = target.requests();
      const results = await Promise.all(Array.from({ length: 25 }, (_, n) => client.enqueue({ type: "Together", payload: { n } })));
      assert.ok(results.every((ids) => ids.length === 1));
      const ids = results.map((ids) => ids[0]!);
      assert.equal(new Set(ids).size, 25);
      const arrived = await target.readBack(ids);
      assert.deepEqual(ids.map((id) => JSON.parse(arrived.get(id)!).payload.n), [...Array(25).keys()]);
      assert.equal(target.requests() - before, 3);
    });

    it("fails only the call whose message the target refuses when calls share a request, naming it by its own index", async () => {
      const small = createQueueClient({ env: target.smallEnv(), retry: fast });
      try {
        const calls = [
          small.enqueue({ type: "OrderNew", payload: { n: 0 } }),
          small.enqueue([{ type: "OrderNew", payload: { n: 1 } }, { type: "OrderNew", payload: { n: 2, blob: "y".repeat(2_000) } }]),
          small.enqueue({ type: "OrderNew", payload: { n: 3 } }),
        ];
        const [first, second, third] = await Promise.allSettled(calls);
        assert.equal(first!.status, "fulfilled");
        assert.equal(third!.status, "fulfilled");
        assert.equal(second!.status, "rejected");
        const error = (second as PromiseRejectedResult).reason;
        assert.ok(error instanceof EnqueueError, String(error));
        assert.deepEqual(error.accepted.map((a) => a.index), [0]);
        assert.deepEqual(error.failed.map((f) => [f.index, f.retriable]), [[1, false]]);
        assert.match(error.message, /^1 of 2 messages were not accepted by .*\n  #1 \(OrderNew\): /);
        const ids = [(first as PromiseFulfilledResult<string[]>).value[0]!, error.accepted[0]!.messageId, (third as PromiseFulfilledResult<string[]>).value[0]!];
        const arrived = await target.readBack(ids, true);
        assert.deepEqual(ids.map((id) => JSON.parse(arrived.get(id)!).payload.n), [0, 1, 3]);
      } finally {
        small.close();
      }
    });

    it("splits by size too: six 200 kB messages do not fit one 1 MiB request", async () => {
      const before = target.requests();
      const messages = Array.from({ length: 6 }, (_, n) => ({ type: "Blob", payload: { n, data: "x".repeat(200_000) } }));
      const ids = await client.enqueue(messages);
      const arrived = await target.readBack(ids);
      assert.deepEqual(ids.map((id) => JSON.parse(arrived.get(id)!).payload.n), [0, 1, 2, 3, 4, 5]);
      assert.equal(target.requests() - before, 2);
    });

    it("refuses bad messages before sending, with the same errors, and sends nothing of the call", async () => {
      const total = await target.total();
      const ok = { type: "OrderNew", payload: {} };
      const cases: Array<[unknown, { delaySeconds?: number } | undefined, RegExp]> = [
        [[ok, { type: "", payload: {} }], undefined, /^messages\[1\]\.type must be a non-empty string/],
        [[ok, ok, { type: "letsgo:scheduled-run", payload: {} }], undefined, /^messages\[2\]\.type "letsgo:scheduled-run" is reserved/],
        [{ type: "OrderNew", payload: { at: () => 1 } }, undefined, /^message\.payload\.at is a function/],
        [[ok, { type: "OrderNew", payload: "x".repeat(1_100_000) }], undefined, /^messages\[1\] is 1100032 bytes as JSON; the worker takes at most 1048576 bytes/],
        [ok, { delaySeconds: 901 }, /^delaySeconds must be a whole number of seconds from 0 to 900, got 901/],
      ];
      const said: string[] = [];
      for (const [input, options, pattern] of cases) {
        await assert.rejects(client.enqueue(input as never, options), (error: unknown) => {
          assert.ok(error instanceof MessageValidationError, String(error));
          assert.match(error.message, pattern);
          said.push(error.message);
          return true;
        });
      }
      validationMessages.set(target.name, said);
      assert.equal(await target.total(), total);
    });

    it("names a message the target refuses by its index, and gives the ids of those it accepted", async () => {
      const small = createQueueClient({ env: target.smallEnv(), retry: fast });
      try {
        const messages = [
          { type: "OrderNew", payload: { n: 0 } },
          { type: "OrderNew", payload: { n: 1, blob: "y".repeat(2_000) } },
          { type: "OrderNew", payload: { n: 2 } },
        ];
        const error = await small.enqueue(messages).then(
          () => assert.fail("expected an EnqueueError"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof EnqueueError, String(error));
        assert.deepEqual(error.accepted.map((a) => a.index), [0, 2]);
        assert.deepEqual(error.failed.map((f) => [f.index, f.type, f.retriable]), [[1, "OrderNew", false]]);
        assert.match(error.failed[0]!.reason, /1024 bytes/);
        assert.match(error.message, /^1 of 3 messages were not accepted by .*\n  #1 \(OrderNew\): /);
        const arrived = await target.readBack(error.accepted.map((a) => a.messageId), true);
        assert.deepEqual(error.messageIds.map((id) => (id ? JSON.parse(arrived.get(id)!).payload.n : undefined)), [0, undefined, 2]);
      } finally {
        small.close();
      }
    });

    it("retries a dropped request and still returns every id", async () => {
      target.failNext(2);
      const before = target.requests();
      const ids = await client.enqueue([1, 2, 3].map((n) => ({ type: "Retry", payload: { n } })));
      assert.equal(target.requests() - before, 3);
      const arrived = await target.readBack(ids);
      assert.deepEqual(ids.map((id) => JSON.parse(arrived.get(id)!).payload.n), [1, 2, 3]);
    });

    it("gives up after the bound on a target that stays down, naming every message as not accepted", async () => {
      target.failAll(true);
      try {
        const before = target.requests();
        const error = await client.enqueue(Array.from({ length: 12 }, (_, n) => ({ type: "Down", payload: { n } }))).then(
          () => assert.fail("expected an EnqueueError"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof EnqueueError, String(error));
        assert.deepEqual(error.accepted, []);
        assert.deepEqual(error.failed.map((f) => f.index), [...Array(12).keys()]);
        assert.ok(error.failed.every((f) => f.retriable && /gave up after 3 attempts/.test(f.reason)));
        assert.equal(target.requests() - before, 2 * 3); // two requests, three attempts each
        assert.match(error.message, /^12 of 12 messages were not accepted by .*\n  #0-#11 \(Down\): /);
      } finally {
        target.failAll(false);
      }
    });

    it("delays delivery by delaySeconds", async () => {
      const delayed = await target.delayed();
      await client.enqueue({ type: "Later", payload: {} }, { delaySeconds: 120 });
      assert.equal(await eventually(() => target.delayed(), (n) => n === delayed + 1, 5_000), delayed + 1);
    });

    it("sends nothing and returns [] for an empty array", async () => {
      const before = target.requests();
      assert.deepEqual(await client.enqueue([]), []);
      assert.equal(target.requests(), before);
    });
  });
}

describe("Contract: both targets", () => {
  it("said the same to the same bad inputs", () => {
    const [dev, sqs] = targets.map((target) => validationMessages.get(target.name));
    assert.ok(dev && dev.length > 0 && sqs, "both target suites ran their validation case");
    assert.deepEqual(sqs, dev);
  });
});
