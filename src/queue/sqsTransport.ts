/**
 * Sending to SQS with SendMessageBatch. The SDK is imported on the first send,
 * so an app that only talks to the dev worker never loads it. Its own retries
 * are off (maxAttempts 1): the sender's retry policy is the one bound, the same
 * for both targets.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { firstLine } from "../runtime/errors.js";
import type { SqsTarget } from "./target.js";
import { TransportError, type Transport, type TransportFailure } from "./transport.js";

/** Client settings beyond the target's own, e.g. `{ profile }` from the CLI's --profile. */
export type SqsClientConfig = Record<string, unknown>;

/** Errors for what a request carries: another split of the batch finds the entry at fault. */
const CONTENT_ERRORS = new Set([
  "InvalidMessageContents",
  "BatchRequestTooLong",
  "AWS.SimpleQueueService.BatchRequestTooLong",
  "InvalidParameterValue",
  "InvalidParameterValueException",
  "MessageTooLong",
]);

const THROTTLING_ERRORS = new Set(["RequestThrottled", "ThrottlingException", "Throttling", "KmsThrottled", "OverLimit", "SlowDown", "RequestTimeout"]);

export function sqsTransport(target: SqsTarget, extraConfig: SqsClientConfig = {}): Transport & { destroy(): void } {
  const description = `the SQS queue ${target.queueUrl}`;
  let client: Promise<SQSClient> | undefined;
  let sdk: Promise<typeof import("@aws-sdk/client-sqs")> | undefined;
  const load = () => (sdk ??= import("@aws-sdk/client-sqs"));
  const getClient = () =>
    (client ??= load().then(
      ({ SQSClient }) =>
        new SQSClient({
          maxAttempts: 1,
          requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
          ...(target.region ? { region: target.region } : {}),
          ...(target.endpoint ? { endpoint: target.endpoint } : {}),
          ...extraConfig,
        }),
    ));
  return {
    description,
    async send(entries, delaySeconds) {
      const [{ SendMessageBatchCommand }, sqs] = await Promise.all([load(), getClient()]);
      let out;
      try {
        out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: target.queueUrl,
            Entries: entries.map((entry) => ({
              Id: entry.id,
              MessageBody: entry.body,
              ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
              ...(entry.attributes
                ? { MessageAttributes: Object.fromEntries(Object.entries(entry.attributes).map(([name, { dataType, value }]) => [name, { DataType: dataType, StringValue: value }])) }
                : {}),
            })),
          }),
        );
      } catch (error) {
        const failure = classify(error);
        const code = (error as Error).name || "Error";
        const reason = firstLine(error) || code;
        throw new TransportError(failure === "fatal" ? `${code}: ${reason}${advice(code)}` : reason, code, failure, {
          cause: error,
        });
      }
      return {
        accepted: (out.Successful ?? []).map((s) => ({ id: s.Id ?? "", messageId: s.MessageId ?? "" })),
        refused: (out.Failed ?? []).map((f) => ({
          id: f.Id ?? "",
          code: f.Code ?? "Failed",
          reason: f.Message ?? f.Code ?? "refused by SQS",
          retriable: f.SenderFault !== true,
        })),
      };
    },
    destroy() {
      void client?.then((c) => c.destroy());
      client = undefined;
    },
  };
}

function classify(error: unknown): TransportFailure {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode;
  if (name === "CredentialsProviderError" || /Region is missing/i.test(e.message ?? "")) return "fatal";
  if (status === undefined) return "retry"; // no HTTP answer: a network error or a timeout
  if (e.$retryable || status === 429 || status >= 500 || THROTTLING_ERRORS.has(name)) return "retry";
  if (CONTENT_ERRORS.has(name)) return "content";
  return "fatal";
}

function advice(code: string): string {
  if (/NonExistentQueue|QueueDoesNotExist/.test(code)) return " (is the worker deployed, and is the region right? `letsgo-worker status` prints the queue URL)";
  if (/AccessDenied|NotAuthorized|InvalidClientTokenId|SignatureDoesNotMatch/.test(code)) {
    return " (the app's role needs sqs:SendMessage on this queue: `letsgo-worker status --sender-policy` prints the policy)";
  }
  return "";
}

