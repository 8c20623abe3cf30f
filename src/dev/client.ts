/**
 * `enqueue` and `dlq` from the terminal. Sending goes through the same library
 * the app's code uses (letsgo-worker/queue): one target rule, one validation,
 * one retry policy. The dead-letter queue is behind a small interface with a
 * dev worker (HTTP) and a deployed-SQS implementation. The AWS side is
 * imported only when `--aws` is used.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AwsCommandOptions } from "../aws/deploy.js";
import { LetsgoError, ServiceError, SettingsError, UsageError } from "../errors.js";
import { callDevWorker, replyError } from "../devClient.js";
import { workerPaths } from "../project/paths.js";
import { scanEnum } from "../project/scan.js";
import { loadSettings } from "../project/settings.js";
import { createQueueClient, type QueueClient } from "../queue/client.js";
import { LOCAL_QUEUE_URL_ENV } from "../queue/constants.js";
import { EnqueueError, MessageValidationError, QueueConfigError } from "../queue/errors.js";
import type { DeadMessageView } from "./routes.js";
import { MAX_DELAY_SECONDS } from "./intake.js";

/** Where `enqueue` sends: the deployed queue found by name (--aws), a dev worker (--url), or the rule of the app's enqueue(). */
export type EnqueueTarget = { aws: AwsCommandOptions } | { url: string } | { fromEnvironment: true };

/**
 * A queue client for the CLI. Without flags it follows the app's rule:
 * LETSGO_WORKER_QUEUE_URL → SQS, else LETSGO_LOCAL_QUEUE_URL (apps/worker/.env
 * or the environment). The size limit is the project's.
 */
export async function cliQueueClient(projectDir: string, target: EnqueueTarget): Promise<QueueClient> {
  const { settings } = await loadSettings(projectDir);
  const maxMessageSize = settings.LETSGO_WORKER_MAX_MESSAGE_SIZE;
  return asCliErrors(async () => {
    if ("aws" in target) {
      const { findDeployedQueue } = await import("../aws/queue.js");
      const found = await findDeployedQueue(target.aws);
      return createQueueClient({
        queueUrl: found.queueUrl,
        maxMessageSize,
        sqs: { region: found.region, ...(target.aws.profile ? { profile: target.aws.profile } : {}) },
      });
    }
    if ("url" in target) return createQueueClient({ localQueueUrl: target.url, env: {}, maxMessageSize });
    return createQueueClient({ env: { ...process.env, [LOCAL_QUEUE_URL_ENV]: settings.LETSGO_LOCAL_QUEUE_URL }, maxMessageSize });
  });
}

/** The library's errors as the CLI reports them: bad input exits 1 like any other, an unreachable or refusing queue is a service error. */
async function asCliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MessageValidationError) throw new LetsgoError(`${error.message} Nothing was sent.`, { cause: error });
    if (error instanceof QueueConfigError) throw new SettingsError(error.message, { cause: error });
    if (error instanceof EnqueueError) throw new ServiceError(error.message, { cause: error });
    throw error;
  }
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

/** The dev worker's URL: --url, else LETSGO_LOCAL_QUEUE_URL (the environment, then apps/worker/.env; default http://localhost:3002). */
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
  client: QueueClient;
}

export interface EnqueueResult {
  messageId: string;
  /** Where it went, for people: the dev worker's URL or the queue's. */
  target: string;
  kind: "dev" | "sqs";
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
  const where = await asCliErrors(async () => options.client.target());
  const [messageId] = await asCliErrors(() => options.client.enqueue({ type, payload }, { delaySeconds }));
  return { messageId: messageId!, target: where.kind === "sqs" ? where.queueUrl : where.url, kind: where.kind, warnings };
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
