/**
 * Calls of `enqueue()` made together share requests. The messages of every
 * call that arrives before the event loop next turns (setImmediate: after the
 * I/O callbacks of this turn, so the replies of many API requests handled
 * together count as together) are sent as one list, in batches of up to 10,
 * and each call gets back its own ids, or an EnqueueError naming its own
 * messages by their index in its own input. An app that enqueues one message
 * per API request under load sends up to 10 per request instead of 1: to SQS
 * one SendMessageBatch instead of ten SendMessage calls; to `dev`, 10-message
 * bodies (`node bench/peers.mjs` measures both feeds).
 */
import { EnqueueError } from "./errors.js";
import type { CheckedMessage } from "./validate.js";

type SendAll = (messages: readonly CheckedMessage[]) => Promise<string[]>;

interface Call {
  messages: readonly CheckedMessage[];
  resolve(ids: string[]): void;
  reject(error: unknown): void;
}

/**
 * A sender for each `key` (a target and a delay: what one request must share),
 * coalescing the calls made together; `send(key)` returns the function that
 * sends a whole list for that key.
 */
export function coalescingSender(send: (key: string) => SendAll): (key: string, messages: readonly CheckedMessage[]) => Promise<string[]> {
  const waiting = new Map<string, Call[]>();

  const flush = (key: string) => {
    const calls = waiting.get(key)!;
    waiting.delete(key);
    const all = calls.length === 1 ? calls[0]!.messages : calls.flatMap((call) => call.messages);
    send(key)(all).then(
      (ids) => {
        let offset = 0;
        for (const call of calls) {
          call.resolve(ids.slice(offset, offset + call.messages.length));
          offset += call.messages.length;
        }
      },
      (error: unknown) => {
        if (!(error instanceof EnqueueError) || calls.length === 1) {
          for (const call of calls) call.reject(error);
          return;
        }
        let offset = 0;
        for (const call of calls) {
          settleFromShared(call, offset, error);
          offset += call.messages.length;
        }
      },
    );
  };

  return (key, messages) =>
    new Promise<string[]>((resolve, reject) => {
      let calls = waiting.get(key);
      if (!calls) {
        waiting.set(key, (calls = []));
        setImmediate(flush, key);
      }
      calls.push({ messages, resolve, reject });
    });
}

/** One call's share of a shared send that failed in part: its ids if all of its messages went, else its own EnqueueError. */
function settleFromShared(call: Call, offset: number, shared: EnqueueError): void {
  const end = offset + call.messages.length;
  const mine = <T extends { index: number }>(list: T[]) => list.filter((m) => m.index >= offset && m.index < end).map((m) => ({ ...m, index: m.index - offset }));
  const accepted = mine(shared.accepted);
  const failed = mine(shared.failed);
  if (failed.length === 0) {
    const ids = new Array<string>(call.messages.length);
    for (const { index, messageId } of accepted) ids[index] = messageId;
    call.resolve(ids);
  } else call.reject(new EnqueueError(shared.target, accepted, failed, { cause: shared.cause }));
}
