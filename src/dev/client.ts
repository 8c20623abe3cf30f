/**
 * `enqueue` and `dlq` from the terminal. Where messages go is behind two small
 * interfaces, MessageSender and DeadLetterQueue, each with a dev worker (HTTP)
 * and a deployed-SQS implementation, so the commands and their validation are
 * the same for both targets. The AWS side is imported only when `--aws` is used.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AwsCommandOptions } from "../aws/deploy.js";
import { LetsgoError, ServiceError, UsageError } from "../errors.js";
import { callDevWorker, postToDevWorker, replyError } from "../devClient.js";
import { workerPaths } from "../project/paths.js";
import { scanEnum } from "../project/scan.js";
import { loadSettings } from "../project/settings.js";
import type { DeadMessageView } from "./routes.js";
import { MAX_DELAY_SECONDS } from "./intake.js";

export interface OutgoingMessage {
  type: string;
  payload: unknown;
}

export interface MessageSender {
  /** Where messages go, for people: the dev worker's URL or the queue URL (known once sent). */
  readonly target: string;
  send(messages: OutgoingMessage[], options: { delaySeconds: number }): Promise<string[]>;
}

/** Sends to a running `letsgo-worker dev`. */
export function devWorkerSender(baseUrl: string): MessageSender {
  return {
    target: baseUrl,
    async send(messages, { delaySeconds }) {
      const query = delaySeconds > 0 ? `/?delaySeconds=${delaySeconds}` : "/";
      const reply = await postToDevWorker(baseUrl, query, JSON.stringify(messages.length === 1 ? messages[0] : messages), {
        "content-type": "application/json",
      });
      if (reply.status !== 201) throw new ServiceError(`The dev worker at ${baseUrl} refused the message (HTTP ${reply.status}): ${replyError(reply)}`);
      return (reply.body as { messageIds: string[] }).messageIds;
    },
  };
}

/** Sends to the deployed SQS queue, found by its name (from LETSGO_DEPLOYMENT / --deployment). */
export function awsQueueSender(options: AwsCommandOptions): MessageSender {
  let queueUrl: string | undefined;
  return {
    get target() {
      return queueUrl ?? "the deployed SQS queue";
    },
    async send(messages, { delaySeconds }) {
      const { sendToDeployedQueue } = await import("../aws/queue.js");
      const ids: string[] = [];
      for (const message of messages) {
        const sent = await sendToDeployedQueue({ ...options, message, delaySeconds });
        queueUrl = sent.queueUrl;
        ids.push(sent.messageId);
      }
      return ids;
    },
  };
}

/** What `enqueue` and `dlq` flags say about the target; checked before anything is sent. */
export interface TargetFlags {
  aws?: boolean;
  url?: string;
  region?: string;
  profile?: string;
  deployment?: string;
}

/** `--url` is for the dev worker, `--region/--profile/--deployment` for `--aws`: refuse a mix. */
export function checkTargetFlags(flags: TargetFlags): void {
  if (flags.aws) {
    if (flags.url !== undefined) throw new UsageError("--url names a dev worker; drop it when using --aws (the deployed queue is found by its name).");
    return;
  }
  const awsOnly = (["region", "profile", "deployment"] as const).filter((flag) => flags[flag] !== undefined);
  if (awsOnly.length > 0) {
    throw new UsageError(`${awsOnly.map((flag) => `--${flag}`).join(", ")} only ${awsOnly.length === 1 ? "applies" : "apply"} to the deployed queue: add --aws (without it the command talks to the dev worker).`);
  }
}

/** The dev worker's URL: --url, else LETSGO_LOCAL_QUEUE_URL from apps/worker/.env (default http://localhost:3002). */
export async function devWorkerUrl(projectDir: string, url?: string): Promise<string> {
  if (url) return url;
  return (await loadSettings(projectDir)).settings.LETSGO_LOCAL_QUEUE_URL;
}

export interface EnqueueOptions {
  projectDir: string;
  type?: string;
  /** Inline JSON, `@file.json`, or `-` for stdin. Default `{}`. */
  payload?: string;
  delaySeconds?: string;
  /** Where a relative `@file` is found (the shell's directory). */
  baseDir: string;
  readStdin: () => Promise<string>;
  sender: MessageSender;
}

export interface EnqueueResult {
  messageId: string;
  target: string;
  warnings: string[];
}

export async function enqueueMessage(options: EnqueueOptions): Promise<EnqueueResult> {
  const type = options.type?.trim();
  if (!type) throw new LetsgoError("--type is required: the message type, e.g. --type OrderNew (see `letsgo-worker list-messages`).");
  const delaySeconds = parseDelay(options.delaySeconds);
  const payload = await readPayload(options);
  const warnings: string[] = [];
  const known = await declaredMessageTypes(options.projectDir);
  if (known && !known.includes(type)) {
    warnings.push(
      `"${type}" is not in the MessageType enum (${workerPaths(options.projectDir).typesIndex}); the worker has no handler for it and will move it to the dead-letter queue. ` +
        `Add it with \`letsgo-worker add-message ${type}\`.`,
    );
  }
  await checkMessageSize(options.projectDir, { type, payload });
  const [messageId] = await options.sender.send([{ type, payload }], { delaySeconds });
  return { messageId: messageId!, target: options.sender.target, warnings };
}

/** The body both targets send is `{"type":...,"payload":...}`; SQS and the dev worker cap it at LETSGO_WORKER_MAX_MESSAGE_SIZE. */
async function checkMessageSize(projectDir: string, message: OutgoingMessage): Promise<void> {
  const max = (await loadSettings(projectDir)).settings.LETSGO_WORKER_MAX_MESSAGE_SIZE;
  const size = Buffer.byteLength(JSON.stringify(message));
  if (size > max) {
    throw new LetsgoError(
      `The message is ${size} bytes; the maximum message size is ${max} bytes (LETSGO_WORKER_MAX_MESSAGE_SIZE). ` +
        "Nothing was sent: store large data elsewhere (S3, your database) and send a reference to it.",
    );
  }
}

/** String values of `enum MessageType` in packages/types/index.ts; undefined when there is none to check against. */
export async function declaredMessageTypes(projectDir: string): Promise<string[] | undefined> {
  const source = await readFile(workerPaths(projectDir).typesIndex, "utf8").catch(() => undefined);
  return source === undefined ? undefined : scanEnum(source, "MessageType")?.map((member) => member.value);
}

async function readPayload(options: EnqueueOptions): Promise<unknown> {
  const spec = options.payload ?? "{}";
  let text: string;
  let from: string;
  if (spec === "-") {
    text = await options.readStdin();
    from = "stdin";
  } else if (spec.startsWith("@")) {
    const file = path.resolve(options.baseDir, spec.slice(1));
    text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new LetsgoError(`Cannot read the payload file ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}.`);
    });
    from = file;
  } else {
    text = spec;
    from = "--payload";
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LetsgoError(`The payload from ${from} is not valid JSON (${(error as Error).message}). Example: --payload '{"orderId":"o_1"}'.`);
  }
}

function parseDelay(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > MAX_DELAY_SECONDS) {
    throw new LetsgoError(`--delay must be a whole number of seconds from 0 to ${MAX_DELAY_SECONDS}, got "${value}".`);
  }
  return Number(value);
}

/** A dead message as both targets show it; fields a target does not know are null. */
export interface DeadLetter {
  messageId: string;
  /** The body's `type`, or null when the body is not a `{type, payload}` message. */
  type: string | null;
  body: string;
  receiveCount: number;
  /** The handler's last error: the dev worker records it, SQS does not. */
  lastError: string | null;
  sentAt: string | null;
  deadAt: string | null;
}

export interface DeadLetterListing {
  /** The dev worker's URL or the DLQ's URL. */
  target: string;
  messages: DeadLetter[];
  /** SQS's approximate count of messages: a listing from SQS is a sample, not necessarily all. */
  approximateCount?: number;
}

export type RedriveResult =
  | { redriven: number }
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
    list: async () => ({ target: baseUrl, messages: await listDeadMessages(baseUrl) }),
    redrive: async (messageId) => ({ redriven: await redriveDeadMessages(baseUrl, messageId) }),
    purge: async () => ({ purged: await purgeDeadMessages(baseUrl) }),
  };
}

/** The deployed dead-letter queue, found by its name (from LETSGO_DEPLOYMENT / --deployment). */
export function awsDlq(options: AwsCommandOptions): DeadLetterQueue {
  return {
    async list() {
      const { listDeployedDlq } = await import("../aws/queue.js");
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
          sentAt: m.sentAt ?? null,
          deadAt: null,
        })),
      };
    },
    async redrive(messageId) {
      if (messageId !== undefined) {
        throw new UsageError("--id works with the dev worker only: SQS redrives a whole dead-letter queue (StartMessageMoveTask). Drop --id to move every message back.");
      }
      const { redriveDeployedDlq } = await import("../aws/queue.js");
      return redriveDeployedDlq(options);
    },
    async purge(confirm) {
      const { purgeDeployedDlq } = await import("../aws/queue.js");
      const result = await purgeDeployedDlq({
        ...options,
        confirm: confirm && ((about) => confirm({ queue: about.queueName, region: about.region, account: about.account, approximateCount: about.approximateCount })),
      });
      return { purged: result.approximateCount, approximate: true, queueUrl: result.queueUrl, ...(result.cancelled ? { cancelled: true } : {}) };
    },
  };
}

export async function listDeadMessages(baseUrl: string): Promise<DeadMessageView[]> {
  const reply = await callDevWorker(baseUrl, "/dlq");
  if (reply.status !== 200) throw new ServiceError(`GET /dlq failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { messages: DeadMessageView[] }).messages;
}

export async function redriveDeadMessages(baseUrl: string, messageId?: string): Promise<number> {
  const target = messageId ? `/dlq/redrive?messageId=${encodeURIComponent(messageId)}` : "/dlq/redrive";
  const reply = await callDevWorker(baseUrl, target, { method: "POST" });
  if (reply.status !== 200) throw new ServiceError(`Redrive failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { redriven: number }).redriven;
}

export async function purgeDeadMessages(baseUrl: string): Promise<number> {
  const reply = await callDevWorker(baseUrl, "/dlq", { method: "DELETE" });
  if (reply.status !== 200) throw new ServiceError(`Purge failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { purged: number }).purged;
}
