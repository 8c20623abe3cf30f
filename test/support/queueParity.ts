/**
 * The dev queue (MessageQueue) and SQS driven alike, for ../queueParity.test.ts.
 *
 * The same generated operation sequences (send, delayed send, receive with the
 * queue's visibility timeout, delete, fail until maxReceiveCount, a visibility
 * made 0 again, time passing, a purged dead-letter queue) run
 * against the dev queue's core and against moto's SQS (a queue with its DLQ and
 * redrive policy), on one clock: moto's is set by the test (./support/clockedMoto.ts).
 * What a user could observe is compared: each receive (which messages, with
 * which receive count), and at the end what is still delivered and what sits
 * in the dead-letter queue.
 *
 * Differences that are intended, and how the comparison allows for them (the
 * README lists them too):
 * - dev moves a message to the DLQ as soon as its last allowed receive fails;
 *   SQS moves it when a receive finds it visible again. No receive can tell,
 *   and in the end the DLQ holds the same; but a purge in between removes it in
 *   dev only, so at a purge the SQS side deletes such a message too.
 * - Every operation takes a millisecond on both sides: on a clock that stood
 *   still, moto would keep a message whose visibility was set to 0 hidden until
 *   the clock moved (it wants the time past visible-at), which SQS never shows.
 *
 * Not compared here, because moto is not SQS there (so the README lists them
 * as checked against AWS's documentation instead):
 * - redrive: moto has no StartMessageMoveTask;
 * - retention: moto marks an expired message received and ends the receive at
 *   it, where SQS drops it; the sequences keep every message within retention.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { MessageQueue } from "../../src/dev/queue/messageQueue.js";
import type { Delivery } from "../../src/dev/queue/queueRecords.js";
import type { ClockedMoto } from "./clockedMoto.js";

type Decision = "delete" | "fail" | "again";
type Op = { op: "send"; delay: number } | { op: "receive"; decisions: Decision[] } | { op: "advance"; seconds: number } | { op: "purgeDlq" };
interface Config {
  /** Seconds. */
  visibility: number;
  maxReceiveCount: number;
  /** Seconds, the queue's and the DLQ's. */
  retention: number;
  dlqRetention: number;
}
export interface Sequence {
  config: Config;
  ops: Op[];
}

/** One receive as a user sees it: message (by its index in the sequence) and receive count, in index order. */
type Seen = Array<[number, number]>;
interface Outcome {
  receives: Seen[];
  /** What a drain (time past every visibility and delay, then receive and delete until empty) still delivers. */
  drained: Seen;
  /** What is in the DLQ at the end, by index. */
  dead: number[];
}

/** At most this many sends per sequence: one receive (10) then sees every visible message, whatever the order. */
const MAX_SENDS = 10;
export const START = Date.UTC(2027, 0, 1);

const decision = fc.constantFrom<Decision>("delete", "fail", "fail", "again");
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("send" as const), delay: fc.constantFrom(0, 0, 0, 3, 10) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("receive" as const), decisions: fc.array(decision, { minLength: MAX_SENDS, maxLength: MAX_SENDS }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("advance" as const), seconds: fc.constantFrom(1, 3, 5, 10, 29, 30, 31, 61) }) },
  { weight: 1, arbitrary: fc.constant({ op: "purgeDlq" as const }) },
);
export const sequence: fc.Arbitrary<Sequence> = fc.record({
  config: fc.record({ visibility: fc.constantFrom(5, 30), maxReceiveCount: fc.constantFrom(1, 2, 3), retention: fc.constant(345_600), dlqRetention: fc.constant(1_209_600) }),
  ops: fc.array(op, { minLength: 5, maxLength: 30 }).map((ops) => {
    let sends = 0;
    return ops.filter((o) => o.op !== "send" || ++sends <= MAX_SENDS);
  }),
});

/** The dev queue's core, driven as dev's event source mapping drives it. */
export async function runDev(seq: Sequence): Promise<Outcome> {
  const { config } = seq;
  const queue = new MessageQueue({ visibilityTimeoutMs: config.visibility * 1000, maxReceiveCount: config.maxReceiveCount, retentionMs: config.retention * 1000, deadRetentionMs: config.dlqRetention * 1000 });
  let now = START;
  let next = 0;
  const index = new Map<string, number>();
  const send = (delay: number) => {
    for (const record of queue.prepareEnqueue([{ type: "t", body: `m${next}` }], now, delay * 1000, () => `dev-${next}`)) queue.apply(record);
    index.set(`dev-${next}`, next++);
  };
  const receive = (): Delivery[] => queue.receive(now, MAX_SENDS).batch.sort((a, b) => index.get(a.id)! - index.get(b.id)!);
  const seen = (batch: Delivery[]): Seen => batch.map((d) => [index.get(d.id)!, d.receiveCount]);
  const receives: Seen[] = [];
  for (const o of seq.ops) {
    now += 1; // every operation takes a moment (see the header)
    if (o.op === "send") send(o.delay);
    else if (o.op === "advance") now += o.seconds * 1000;
    else if (o.op === "purgeDlq") queue.purge();
    else {
      const batch = receive();
      receives.push(seen(batch));
      batch.forEach((d, i) => {
        const what = o.decisions[i]!;
        if (what === "delete") queue.ack([d]);
        else if (what === "fail") queue.fail([{ ...d, error: "failed" }], now);
        else queue.deliverAgain([d], now);
      });
    }
  }
  const drained: Seen = [];
  now += (config.visibility + 10 + 1) * 1000;
  for (let batch = receive(); batch.length > 0; batch = receive()) {
    drained.push(...seen(batch));
    queue.ack(batch);
    now += 1;
  }
  queue.expire(now);
  return { receives, drained: drained.sort(byIndex), dead: queue.listDead().map((m) => index.get(m.id)!).sort((a, b) => a - b) };
}

/** moto's SQS, driven as Lambda's event source mapping drives a queue: receive, then delete, leave, or make visible. */
export async function runSqs(seq: Sequence, sqs: SQSClient, moto: ClockedMoto, name: string): Promise<Outcome> {
  const { config } = seq;
  let now = START;
  moto.setTime(now);
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: String(config.dlqRetention) } }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(config.visibility),
          MessageRetentionPeriod: String(config.retention),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: config.maxReceiveCount }),
        },
      }),
    )
  ).QueueUrl!;
  let next = 0;
  const receive = async (url: string) => {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));
    return Messages.map((m) => ({ index: Number(m.Body!.slice(1)), count: Number(m.Attributes!.ApproximateReceiveCount), receipt: m.ReceiptHandle! })).sort((a, b) => a.index - b.index);
  };
  // Failed on their last allowed receive: dev has them in its DLQ already (see the header).
  const doomed = new Map<number, string>();
  const receives: Seen[] = [];
  for (const o of seq.ops) {
    now += 1; // every operation takes a moment (see the header)
    moto.setTime(now);
    if (o.op === "send") await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${next++}`, DelaySeconds: o.delay }));
    else if (o.op === "advance") now += o.seconds * 1000;
    else if (o.op === "purgeDlq") {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
      for (const receipt of doomed.values()) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt })).catch(() => undefined);
      doomed.clear();
    } else {
      const batch = await receive(queueUrl);
      receives.push(batch.map((m) => [m.index, m.count]));
      for (const [i, m] of batch.entries()) {
        const what = o.decisions[i]!;
        if (what === "delete") await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receipt }));
        else if (what === "again") await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receipt, VisibilityTimeout: 0 }));
        else if (m.count >= config.maxReceiveCount) doomed.set(m.index, m.receipt);
      }
    }
  }
  const drained: Seen = [];
  now += (config.visibility + 10 + 1) * 1000;
  moto.setTime(now);
  for (let batch = await receive(queueUrl); batch.length > 0; batch = await receive(queueUrl)) {
    drained.push(...batch.map((m): [number, number] => [m.index, m.count]));
    for (const m of batch) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receipt }));
    moto.setTime((now += 1));
  }
  const dead = (await receive(dlqUrl)).map((m) => m.index);
  return { receives, drained: drained.sort(byIndex), dead };
}

function byIndex(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

