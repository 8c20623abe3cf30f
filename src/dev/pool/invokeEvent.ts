/**
 * The event a handler gets for an invocation, built where the handler runs: in
 * the handler process (child.ts), or in dev for a container of the image
 * (containerProcess.ts), which gets it as JSON over the Runtime API.
 */
import { buildScheduledEvent } from "../../events/scheduledEvent.js";
import { buildSqsEvent, buildSqsRecord } from "../../events/sqs.js";
import type { InvokeEvent, ToChild, WireRecord } from "./protocol.js";

export function buildEvent(input: InvokeEvent, { origin, awsRequestId }: ToChild["context"]): unknown {
  if (input.kind === "scheduled") {
    return buildScheduledEvent({ origin, scheduledTime: input.scheduledTime, executionId: input.executionId });
  }
  return buildSqsEvent(
    input.records.map((r) =>
      buildSqsRecord({
        origin,
        body: r.body,
        messageId: r.id,
        // Opaque and new on every receive, as SQS's (unique per message, receive and invocation).
        receiptHandle: Buffer.from(`${r.id}:${r.receiveCount}:${awsRequestId}`).toString("base64"),
        receiveCount: r.receiveCount,
        sentAt: r.sentAt,
        firstReceivedAt: r.firstReceivedAt,
        ...(r.attributes ? { messageAttributes: recordAttributes(r.attributes) } : {}),
      }),
    ),
  );
}

/** Message attributes as Lambda's SQS records carry them. */
function recordAttributes(attributes: NonNullable<WireRecord["attributes"]>) {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, { dataType, value }]) => [name, { stringValue: value, stringListValues: [], binaryListValues: [], dataType }]),
  );
}
