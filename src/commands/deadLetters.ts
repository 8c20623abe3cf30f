/**
 * `letsgo-worker dlq`: the dead-letter queue behind one small interface with two
 * implementations, the dev worker's (HTTP) and the deployed one's (SQS), so the
 * command and its output are the same for both. The AWS side is imported only
 * when `--aws` is used.
 */
import type { AwsCommandOptions } from "../aws/session.js";
import { ServiceError, UsageError } from "../errors.js";
import type { DeadMessageView, RetryingView } from "../dev/http/devApi.js";
import { callDevWorker, replyError } from "./devWorkerApi.js";

/** A dead message as both targets show it; fields a target does not know are null. */
export interface DeadLetter {
  messageId: string;
  /** The body's `type`, or null when the body is not a `{type, payload}` message. */
  type: string | null;
  body: string;
  receiveCount: number;
  /** The handler's last error: the dev worker records it, SQS does not. */
  lastError: string | null;
  /** That error's stack: the dev worker keeps it when the handler threw an error that has one. */
  lastErrorStack: string | null;
  sentAt: string | null;
  deadAt: string | null;
}

export interface DeadLetterListing {
  /** The dev worker's URL or the DLQ's URL. */
  target: string;
  messages: DeadLetter[];
  /** The dev worker: messages not dead yet, waiting for their next attempt (failed ones), soonest first. */
  retrying?: RetryingView[];
  /** SQS's approximate count of messages: a listing from SQS is a sample, not necessarily all. */
  approximateCount?: number;
}

export type RedriveResult =
  /** The dev worker: each moved message comes back with a new id (`messages`: dead id `from`, new `messageId`), as SQS's redrive does. */
  | { redriven: number; messages: Array<{ from: string; messageId: string }> }
  /** SQS moves messages asynchronously: the task has started, not finished. */
  | { taskHandle: string; sourceArn: string; destinationArn: string; approximateCount: number };

export interface PurgeResult {
  purged: number;
  /** SQS only knows roughly how many messages it deleted. */
  approximate?: boolean;
  queueUrl?: string;
  cancelled?: boolean;
}

export interface PurgeQuestion {
  queue: string;
  region: string;
  account: string;
  approximateCount: number;
}

export interface DeadLetterQueue {
  list(): Promise<DeadLetterListing>;
  /** All messages, or just `messageId` (the dev worker only: SQS moves a whole queue). */
  redrive(messageId?: string): Promise<RedriveResult>;
  /** `confirm` is asked once the queue is found (deployed queues only; the dev worker's DLQ is local and throwaway). */
  purge(confirm?: (about: PurgeQuestion) => Promise<boolean>): Promise<PurgeResult>;
}

/** The dead-letter queue of a running `letsgo-worker dev`. */
export function devWorkerDlq(baseUrl: string): DeadLetterQueue {
  return {
    list: async () => ({ target: baseUrl, ...(await listDeadMessages(baseUrl)) }),
    redrive: async (messageId) => {
      const messages = await redriveDeadMessages(baseUrl, messageId);
      return { redriven: messages.length, messages };
    },
    purge: async () => ({ purged: await purgeDeadMessages(baseUrl) }),
  };
}

/** The deployed dead-letter queue, found by its name (from LETSGO_DEPLOYMENT / --deployment). */
export function awsDlq(options: AwsCommandOptions): DeadLetterQueue {
  return {
    async list() {
      const { listDeployedDlq } = await import("../aws/deployedQueue.js");
      const listing = await listDeployedDlq(options);
      return {
        target: listing.queueUrl,
        approximateCount: listing.approximateCount,
        messages: listing.messages.map((m) => ({
          messageId: m.messageId,
          type: m.message?.type ?? null,
          body: m.body,
          receiveCount: m.receiveCount,
          lastError: null,
          lastErrorStack: null,
          sentAt: m.sentAt ?? null,
          deadAt: null,
        })),
      };
    },
    async redrive(messageId) {
      if (messageId !== undefined) {
        throw new UsageError("--id works with the dev worker only: SQS redrives a whole dead-letter queue (StartMessageMoveTask). Drop --id to move every message back.");
      }
      const { redriveDeployedDlq } = await import("../aws/deployedQueue.js");
      return redriveDeployedDlq(options);
    },
    async purge(confirm) {
      const { purgeDeployedDlq } = await import("../aws/deployedQueue.js");
      const result = await purgeDeployedDlq({
        ...options,
        confirm: confirm && ((about) => confirm({ queue: about.queueName, region: about.region, account: about.account, approximateCount: about.approximateCount })),
      });
      return { purged: result.approximateCount, approximate: true, queueUrl: result.queueUrl, ...(result.cancelled ? { cancelled: true } : {}) };
    },
  };
}

async function listDeadMessages(baseUrl: string): Promise<{ messages: DeadMessageView[]; retrying: RetryingView[] }> {
  const reply = await callDevWorker(baseUrl, "/dlq");
  if (reply.status !== 200) throw new ServiceError(`GET /dlq failed (HTTP ${reply.status}): ${replyError(reply)}`);
  const body = reply.body as { messages: DeadMessageView[]; retrying?: RetryingView[] };
  // A dev worker from before stacks were kept sends no lastErrorStack; one from before `retry`, no retrying.
  return { messages: body.messages.map((m) => ({ ...m, lastErrorStack: m.lastErrorStack ?? null })), retrying: body.retrying ?? [] };
}

/** What moved: each dead message's id (`from`) and its new id. */
export async function redriveDeadMessages(baseUrl: string, messageId?: string): Promise<Array<{ from: string; messageId: string }>> {
  const target = messageId ? `/dlq/redrive?messageId=${encodeURIComponent(messageId)}` : "/dlq/redrive";
  const reply = await callDevWorker(baseUrl, target, { method: "POST" });
  if (reply.status !== 200) throw new ServiceError(`Redrive failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { messages: Array<{ from: string; messageId: string }> }).messages;
}

export async function purgeDeadMessages(baseUrl: string): Promise<number> {
  const reply = await callDevWorker(baseUrl, "/dlq", { method: "DELETE" });
  if (reply.status !== 200) throw new ServiceError(`Purge failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { purged: number }).purged;
}
