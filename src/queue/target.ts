/**
 * Where messages go, by one rule for the app's `enqueue()` and the CLI alike:
 * LETSGO_WORKER_QUEUE_URL set → that SQS queue; otherwise the local dev worker
 * at LETSGO_LOCAL_QUEUE_URL (default http://localhost:3002).
 */
import { DEFAULT_LOCAL_QUEUE_URL, LOCAL_QUEUE_URL_ENV, QUEUE_URL_ENV } from "./constants.js";
import { QueueConfigError } from "./errors.js";

export type QueueTarget = SqsTarget | DevTarget;

export interface SqsTarget {
  kind: "sqs";
  queueUrl: string;
  /** From the URL's host (sqs.<region>.amazonaws.com); otherwise the SDK's chain decides. */
  region?: string;
  /**
   * The endpoint the SDK must call: AWS_ENDPOINT_URL(_SQS) when set, the queue
   * URL's own origin for a non-AWS host (an emulator); undefined for AWS itself.
   */
  endpoint?: string;
}

export interface DevTarget {
  kind: "dev";
  url: string;
}

type Environment = Record<string, string | undefined>;

/** The rule's one owner: LETSGO_WORKER_QUEUE_URL set (not blank) sends to SQS; anything else, to a dev worker. */
export function sendsToSqs(env: Environment = process.env): boolean {
  return Boolean(env[QUEUE_URL_ENV]?.trim());
}

export function resolveQueueTarget(env: Environment = process.env): QueueTarget {
  if (sendsToSqs(env)) return sqsTarget(env[QUEUE_URL_ENV]!.trim(), env, QUEUE_URL_ENV);
  return devTarget(env[LOCAL_QUEUE_URL_ENV]?.trim() || DEFAULT_LOCAL_QUEUE_URL, LOCAL_QUEUE_URL_ENV);
}

export function devTarget(url: string, from = "the dev worker URL"): DevTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueConfigError(`${from} "${url}" is not a URL: expected something like ${DEFAULT_LOCAL_QUEUE_URL}.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new QueueConfigError(`${from} "${url}" must be an http(s) URL such as ${DEFAULT_LOCAL_QUEUE_URL}.`);
  }
  return { kind: "dev", url: parsed.origin };
}

export interface SqsQueueUrl {
  account: string;
  name: string;
  /** From an AWS host; absent for an emulator's. */
  region?: string;
  awsHost: boolean;
}

/**
 * `https://sqs.<region>.amazonaws.com[.cn]/<account>/<queue>` (also the legacy
 * `<region>.queue.amazonaws.com`), or any http(s) host with the same path, as
 * emulators answer.
 */
export function parseSqsQueueUrl(url: string, from = QUEUE_URL_ENV): SqsQueueUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw notSqs(url, from);
  }
  const path = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/.exec(parsed.pathname);
  if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || !path) throw notSqs(url, from);
  const host = parsed.hostname.toLowerCase();
  const aws = /^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (aws) return { account: path[1]!, name: path[2]!, region: aws[1] ?? aws[2], awsHost: true };
  if (host === "queue.amazonaws.com") return { account: path[1]!, name: path[2]!, region: "us-east-1", awsHost: true };
  return { account: path[1]!, name: path[2]!, awsHost: false };
}

export function sqsTarget(queueUrl: string, env: Environment = process.env, from = QUEUE_URL_ENV): SqsTarget {
  const parsed = parseSqsQueueUrl(queueUrl, from);
  const configured = env.AWS_ENDPOINT_URL_SQS?.trim() || env.AWS_ENDPOINT_URL?.trim();
  // Without an explicit endpoint the SDK would call the queue URL's host anyway
  // (and warn about it when that is not AWS's): name it, and keep the SDK quiet.
  const endpoint = configured || (parsed.awsHost ? undefined : new URL(queueUrl).origin);
  return { kind: "sqs", queueUrl, ...(parsed.region ? { region: parsed.region } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** How a target is named in messages. */
export function describeTarget(target: QueueTarget): string {
  return target.kind === "sqs" ? `the SQS queue ${target.queueUrl}` : `the dev worker at ${target.url}`;
}

function notSqs(url: string, from: string): QueueConfigError {
  return new QueueConfigError(
    `${from} "${url}" is not an SQS queue URL: expected https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> ` +
      "(`letsgo-worker status` prints the deployed one). To send to the local dev worker, leave it unset and set " +
      `${LOCAL_QUEUE_URL_ENV} instead (default ${DEFAULT_LOCAL_QUEUE_URL}).`,
  );
}
