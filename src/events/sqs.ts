/**
 * SQS records exactly as Lambda's event source mapping delivers them, so the local
 * worker feeds handlers what they will get in AWS.
 */
import * as crypto from "node:crypto";
import type { SqsEvent, SqsMessageAttribute, SqsRecord } from "../runtime/types.js";
import { workerQueueArn, type EventOrigin } from "./origin.js";

/** SenderId the local queue puts on messages (in AWS: the sender's IAM principal id). */
export const LOCAL_SENDER_ID = "AIDALETSGOWORKERLOCAL";

export interface SqsRecordInput {
  origin: EventOrigin;
  body: string;
  /** Default: a new UUID, as SQS assigns on send. */
  messageId?: string;
  /** Default: a new opaque handle; SQS issues one per receive. */
  receiptHandle?: string;
  /** Receives so far, this one included. Default 1. */
  receiveCount?: number;
  /** Epoch ms the message was sent. Default: now. */
  sentAt?: number;
  /** Epoch ms of the first receive. Default: now. */
  firstReceivedAt?: number;
  senderId?: string;
  messageAttributes?: Record<string, SqsMessageAttribute>;
  /** Clock in epoch ms for the defaults above. */
  now?: number;
}

export function buildSqsRecord(input: SqsRecordInput): SqsRecord {
  const now = input.now ?? Date.now();
  return {
    messageId: input.messageId ?? crypto.randomUUID(),
    receiptHandle: input.receiptHandle ?? newReceiptHandle(),
    body: input.body,
    attributes: {
      ApproximateReceiveCount: String(input.receiveCount ?? 1),
      SentTimestamp: String(input.sentAt ?? now),
      SenderId: input.senderId ?? LOCAL_SENDER_ID,
      ApproximateFirstReceiveTimestamp: String(input.firstReceivedAt ?? now),
    },
    messageAttributes: input.messageAttributes ?? {},
    md5OfBody: md5Hex(input.body),
    ...(input.messageAttributes && Object.keys(input.messageAttributes).length > 0 ? { md5OfMessageAttributes: md5OfMessageAttributes(input.messageAttributes) } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArnOf(input.origin),
    awsRegion: input.origin.region,
  };
}

export function buildSqsEvent(records: SqsRecord[]): SqsEvent {
  return { Records: records };
}

/** MD5 of the body's UTF-8 bytes, hex: what SQS reports as MD5OfBody. */
export function md5Hex(body: string): string {
  // The one-shot hash (Node 20.12+) costs a fraction of a Hash object for bodies this small.
  return oneShotHash ? oneShotHash("md5", body, "hex") : crypto.createHash("md5").update(body, "utf8").digest("hex");
}

/**
 * SQS's MD5OfMessageAttributes: over the attributes sorted by name, each as its
 * name, data type, transport type (1 string, 2 binary) and value, every string
 * and value preceded by its byte length as a 4-byte big-endian integer.
 */
export function md5OfMessageAttributes(attributes: Record<string, SqsMessageAttribute>): string {
  const hash = crypto.createHash("md5");
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort(byUtf8)) {
    const attribute = attributes[name]!;
    field(Buffer.from(name, "utf8"));
    field(Buffer.from(attribute.dataType, "utf8"));
    const binary = attribute.binaryValue !== undefined;
    hash.update(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(attribute.binaryValue!, "base64") : Buffer.from(attribute.stringValue ?? "", "utf8"));
  }
  return hash.digest("hex");
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Absent before Node 20.12 (the package supports Node 20). */
const oneShotHash: typeof crypto.hash | undefined = typeof crypto.hash === "function" ? crypto.hash : undefined;

/** The queue ARN of the last origin asked for: a handler process builds thousands of records for the same one. */
let lastArn: { key: string; arn: string } | undefined;

function queueArnOf(origin: EventOrigin): string {
  const key = `${origin.deployment}|${origin.region}|${origin.account ?? ""}|${origin.partition ?? ""}`;
  if (lastArn?.key !== key) lastArn = { key, arn: workerQueueArn(origin) };
  return lastArn.arn;
}

function newReceiptHandle(): string {
  return crypto.randomBytes(96).toString("base64");
}
