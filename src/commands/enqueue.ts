/**
 * `letsgo-worker enqueue`: read the payload (inline, @file, stdin), refuse a
 * type the project does not declare, and send through the same library the
 * app's code uses (letsgo-worker/queue): one target rule, one validation, one
 * retry policy. The AWS side is imported only when `--aws` is used.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AwsCommandOptions } from "../aws/session.js";
import { LetsgoError, ServiceError, SettingsError } from "../errors.js";
import { workerPaths } from "../project/paths.js";
import { scanEnum } from "../project/scan.js";
import { loadSettings } from "../project/settings.js";
import { createQueueClient, type QueueClient } from "../queue/enqueue.js";
import { LOCAL_QUEUE_URL_ENV } from "../queue/constants.js";
import { sendsToSqs } from "../queue/target.js";
import { EnqueueError, MessageValidationError, QueueConfigError } from "../queue/errors.js";
import { readDelaySeconds } from "../queue/validate.js";
import { devWorkerUrl } from "./targets.js";
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";
import { unknownTypeProblem } from "../runtime/messageRules.js";

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
      const { findDeployedQueue } = await import("../aws/deployedQueue.js");
      const found = await findDeployedQueue(target.aws);
      return createQueueClient({
        queueUrl: found.queueUrl,
        maxMessageSize,
        sqs: { region: found.region, ...(target.aws.profile ? { profile: target.aws.profile } : {}) },
        payloadSchemas: await projectPayloadSchemas(projectDir),
      });
    }
    if ("url" in target) return createQueueClient({ localQueueUrl: await devWorkerUrl(projectDir, target.url), env: {}, maxMessageSize });
    // The app's rule: LETSGO_WORKER_QUEUE_URL → SQS; otherwise this project's dev worker.
    const toSqs = sendsToSqs(process.env);
    const local = toSqs ? settings.LETSGO_LOCAL_QUEUE_URL : await devWorkerUrl(projectDir);
    return createQueueClient({
      env: { ...process.env, [LOCAL_QUEUE_URL_ENV]: local },
      maxMessageSize,
      ...(toSqs ? { payloadSchemas: await projectPayloadSchemas(projectDir) } : {}),
    });
  });
}

/**
 * The payload shapes of the project's types, for a send to SQS: checked here,
 * before sending, as a dev worker checks them at its door (a send to dev is
 * left to dev, which has them at hand). The TypeScript checker loads only here.
 */
async function projectPayloadSchemas(projectDir: string): Promise<PayloadSchemas> {
  const { derivePayloadSchemas } = await import("../project/payloadSchemas.js");
  return derivePayloadSchemas(workerPaths(projectDir).typesIndex).schemas;
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

export interface EnqueueOptions {
  projectDir: string;
  type?: string;
  /** Inline JSON, `@file.json`, or `-` for stdin. Default `{}`. */
  payload?: string;
  delaySeconds?: string;
  /** `--attribute` values: `name=value` (a String) or `name:Number=value`. */
  attributes?: string[];
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
}

export async function enqueueMessage(options: EnqueueOptions): Promise<EnqueueResult> {
  const type = options.type?.trim();
  if (!type) throw new LetsgoError("--type is required: the message type, e.g. --type OrderNew (see `letsgo-worker list-messages`).");
  const delaySeconds = parseDelay(options.delaySeconds);
  const payload = await readPayload(options);
  // The app's enqueue() refuses a type the project does not declare; so does the CLI, with the same words.
  const known = await declaredMessageTypes(options.projectDir);
  const undeclared = unknownTypeProblem(type, known && { types: known });
  if (undeclared) throw new LetsgoError(`${undeclared} Nothing was sent.`);
  const attributes = parseAttributes(options.attributes ?? []);
  const where = await asCliErrors(async () => options.client.target());
  const [messageId] = await asCliErrors(() => options.client.enqueue({ type, payload }, { delaySeconds, ...(attributes ? { attributes } : {}) }));
  return { messageId: messageId!, target: where.kind === "sqs" ? where.queueUrl : where.url, kind: where.kind };
}

/** `--attribute name=value` (String) and `name:Number=42` (Number); enqueue() checks names and values as SQS does. */
export function parseAttributes(values: string[]): Record<string, string | number> | undefined {
  if (values.length === 0) return undefined;
  const attributes: Record<string, string | number> = {};
  for (const text of values) {
    const match = /^([^=:]+)(?::(String|Number))?=(.*)$/s.exec(text);
    if (!match) throw new LetsgoError(`--attribute ${JSON.stringify(text)}: write name=value (a String) or name:Number=value.`);
    const [, name, dataType, value] = match as unknown as [string, string, string | undefined, string];
    if (dataType === "Number") {
      const number = Number(value);
      if (value.trim() === "" || !Number.isFinite(number)) throw new LetsgoError(`--attribute ${name}:Number needs a number, got ${JSON.stringify(value)}.`);
      attributes[name] = number;
    } else attributes[name] = value;
  }
  return attributes;
}

/** String values of `enum MessageType` in packages/types/index.ts; undefined when there is none to check against. */
export async function declaredMessageTypes(projectDir: string): Promise<string[] | undefined> {
  const source = await readFile(workerPaths(projectDir).typesIndex, "utf8").catch(() => undefined);
  return source === undefined ? undefined : scanEnum(source, "MessageType")?.map((member) => member.value);
}

/** A payload given as inline JSON, `@file.json` (relative to `baseDir`) or `-` (stdin), parsed. */
export async function readPayload(options: Pick<EnqueueOptions, "payload" | "baseDir" | "readStdin">): Promise<unknown> {
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
  const read = readDelaySeconds(value, "--delay");
  if ("problem" in read) throw new LetsgoError(read.problem);
  return read.seconds;
}

