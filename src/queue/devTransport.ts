/**
 * Sending to a running `letsgo-worker dev`: `POST /` with the messages as a
 * JSON array; 201 `{"messageIds": [...]}` once they are on disk. The dev worker
 * takes a request whole or not at all, so a refused request (400, 413) is
 * reported as a content failure and the sender finds the entry at fault.
 */
import { MAX_DELAY_SECONDS, PROJECT_HEADER } from "./constants.js";
import type { DevTarget } from "./target.js";
import { TransportError, type Transport } from "./transport.js";
import type { CheckedAttributes } from "./validate.js";

/** A dev worker answers in milliseconds; a minute means it is stuck, and the attempt is retried. */
const REQUEST_TIMEOUT_MS = 60_000;

/** `project`: the sender's project, named to the dev worker (PROJECT_HEADER), which refuses another project's messages. */
export function devTransport(target: DevTarget, project?: string): Transport {
  const description = `the dev worker at ${target.url}`;
  return {
    description,
    async send(entries, delaySeconds) {
      const query = delaySeconds > 0 ? `?delaySeconds=${Math.min(delaySeconds, MAX_DELAY_SECONDS)}` : "";
      let response: Response;
      try {
        response = await fetch(`${target.url}/${query}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(project ? { [PROJECT_HEADER]: project } : {}) },
          // With attributes, the SQS-shaped body dev also takes: each record's body and messageAttributes as Lambda's records carry them.
          body: entries.some((entry) => entry.attributes)
            ? JSON.stringify({ Records: entries.map((entry) => ({ body: entry.body, messageAttributes: lambdaAttributes(entry.attributes ?? {}) })) })
            : `[${entries.map((entry) => entry.body).join(",")}]`,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new TransportError(
          `no answer from ${description} (${networkReason(error)}): start it with \`letsgo-worker dev\`, ` +
            "or set LETSGO_WORKER_QUEUE_URL to send to the deployed SQS queue.",
          "NetworkError",
          "retry",
          { cause: error },
        );
      }
      const text = await response.text().catch(() => "");
      if (response.status === 201) {
        const ids = (parse(text) as { messageIds?: unknown } | undefined)?.messageIds;
        if (!Array.isArray(ids) || ids.length !== entries.length || !ids.every((id) => typeof id === "string")) {
          throw new TransportError(`${description} answered 201 without one message id per message: ${text.slice(0, 200)}`, "BadReply", "fatal");
        }
        return { accepted: entries.map((entry, i) => ({ id: entry.id, messageId: ids[i] as string })), refused: [] };
      }
      const reason = errorText(text) ?? `HTTP ${response.status}`;
      const code = `HTTP ${response.status}`;
      if (response.status === 400 || response.status === 413) throw new TransportError(reason, code, "content");
      if (response.status === 408 || response.status === 429 || response.status >= 500) throw new TransportError(reason, code, "retry");
      throw new TransportError(`${code}: ${reason}`, code, "fatal");
    },
  };
}

function lambdaAttributes(attributes: CheckedAttributes): Record<string, { dataType: string; stringValue: string }> {
  return Object.fromEntries(Object.entries(attributes).map(([name, { dataType, value }]) => [name, { dataType, stringValue: value }]));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(text: string): string | undefined {
  const error = (parse(text) as { error?: unknown } | undefined)?.error;
  return typeof error === "string" ? error : text.trim().slice(0, 300) || undefined;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((error as Error).name === "TimeoutError") return `no reply within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return cause?.message ?? (error as Error).message;
}
