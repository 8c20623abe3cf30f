/**
 * `enqueue` and `dlq` from the terminal. Sending goes through a small
 * MessageSender interface: the local dev worker today, an SQS sender later.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LetsgoError, ServiceError } from "../errors.js";
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
  /** Where messages go, for people: a URL or a queue ARN. */
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
  const [messageId] = await options.sender.send([{ type, payload }], { delaySeconds });
  return { messageId: messageId!, target: options.sender.target, warnings };
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
