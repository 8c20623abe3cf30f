/**
 * Send checked messages through a transport: batches of up to 10 (and within
 * the byte limit), a few at a time; transient failures retried with backoff up
 * to a bound; a request refused for its content re-sent entry by entry to find
 * the message at fault. Ids come back in input order, or an EnqueueError names
 * every message that was not accepted and every one that was.
 */
import { MAX_BATCH_ENTRIES } from "./constants.js";
import { EnqueueError, type FailedMessage } from "./errors.js";
import { planBatches, retryDelayMs, type RetryPolicy } from "./batches.js";
import type { CheckedMessage } from "./validate.js";
import { TransportError, type Transport } from "./transport.js";

export interface SendOptions {
  delaySeconds: number;
  /** A request's messages together stay within this many bytes. */
  maxBatchBytes: number;
  retry: RetryPolicy;
  /** Requests in flight at once. */
  concurrency: number;
}

export async function sendMessages(transport: Transport, messages: readonly CheckedMessage[], options: SendOptions): Promise<string[]> {
  const ids: Array<string | undefined> = new Array(messages.length).fill(undefined);
  const failed: FailedMessage[] = [];
  let stoppedBy: TransportError | undefined;

  const fail = (index: number, code: string, reason: string, retriable: boolean) =>
    failed.push({ index, type: messages[index]!.type, code, reason, retriable });
  const notSent = (indexes: number[]) => {
    for (const index of indexes) fail(index, "NotSent", `not sent: an earlier request failed (${stoppedBy!.message})`, false);
  };

  async function sendBatch(batch: number[]): Promise<void> {
    let pending = batch;
    let last = { code: "", reason: "" };
    for (let attempt = 1; ; attempt++) {
      if (stoppedBy) return notSent(pending);
      try {
        const outcome = await transport.send(
          pending.map((index) => {
            const { body, attributes } = messages[index]!;
            return attributes ? { id: String(index), body, attributes } : { id: String(index), body };
          }),
          options.delaySeconds,
        );
        const answered = new Set<number>();
        const again: number[] = [];
        for (const { id, messageId } of outcome.accepted) {
          ids[Number(id)] = messageId;
          answered.add(Number(id));
        }
        for (const refusal of outcome.refused) {
          answered.add(Number(refusal.id));
          if (refusal.retriable) {
            again.push(Number(refusal.id));
            last = refusal;
          } else fail(Number(refusal.id), refusal.code, refusal.reason, false);
        }
        for (const index of pending) {
          if (!answered.has(index)) {
            again.push(index);
            last = { code: "NoResult", reason: `${transport.description} reported nothing for this message` };
          }
        }
        pending = again.sort((a, b) => a - b);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (error.failure === "content") {
          if (pending.length === 1) return void fail(pending[0]!, error.code, error.message, false);
          for (const index of pending) await sendBatch([index]);
          return;
        }
        if (error.failure === "fatal") {
          stoppedBy ??= error;
          for (const index of pending) fail(index, error.code, error.message, false);
          return;
        }
        last = { code: error.code, reason: error.message };
      }
      if (pending.length === 0) return;
      if (attempt >= options.retry.attempts) {
        for (const index of pending) fail(index, last.code, `${last.reason} (gave up after ${attempt} attempts)`, true);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, options.retry)));
    }
  }

  const batches = planBatches(
    messages.map((m) => m.bytes),
    MAX_BATCH_ENTRIES,
    options.maxBatchBytes,
  );
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      if (stoppedBy) notSent(batch);
      else await sendBatch(batch);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, batches.length)) }, lane));

  if (failed.length > 0) {
    failed.sort((a, b) => a.index - b.index);
    const accepted = ids.flatMap((messageId, index) => (messageId === undefined ? [] : [{ index, messageId }]));
    throw new EnqueueError(transport.description, accepted, failed, { cause: stoppedBy });
  }
  return ids as string[];
}
