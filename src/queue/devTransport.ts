/**
 * Sending to a running `letsgo-worker dev`: `POST /` with the messages as a
 * JSON array; 201 `{"messageIds": [...]}` once they are on disk. The dev worker
 * takes a request whole or not at all, so a refused request (400, 413) is
 * reported as a content failure and the sender finds the entry at fault.
 */
import http from "node:http";
import https from "node:https";
import { MAX_DELAY_SECONDS, PROJECT_HEADER } from "./constants.js";
import type { DevTarget } from "./target.js";
import { TransportError, type Transport } from "./transport.js";
import type { CheckedAttributes } from "./validate.js";

/** A dev worker answers in milliseconds; a minute means it is stuck, and the attempt is retried. */
const REQUEST_TIMEOUT_MS = 60_000;

interface Reply {
  status: number;
  text: string;
}

/**
 * `project`: the sender's project, named to the dev worker (PROJECT_HEADER), which refuses another project's messages.
 * Requests go through node:http with kept-alive connections, not fetch: on Node 20 fetch costs the
 * app about 0.5 ms of CPU per request, 5× node:http (`node bench/peers.mjs`: an app's enqueue() calls
 * topped out near 1,000/s on fetch).
 */
export function devTransport(target: DevTarget, project?: string): Transport & { destroy(): void } {
  const description = `the dev worker at ${target.url}`;
  const base = new URL(target.url);
  const client = base.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true });

  const post = (query: string, body: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const request = client.request(
        {
          agent,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: `${base.pathname.replace(/\/$/, "")}/${query}`,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...(project ? { [PROJECT_HEADER]: project } : {}) },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
          response.on("error", reject);
        },
      );
      request.on("timeout", () => request.destroy(Object.assign(new Error(`no reply within ${REQUEST_TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" })));
      request.on("error", reject);
      request.end(body);
    });

  return {
    description,
    destroy: () => agent.destroy(),
    async send(entries, delaySeconds) {
      const query = delaySeconds > 0 ? `?delaySeconds=${Math.min(delaySeconds, MAX_DELAY_SECONDS)}` : "";
      // With attributes, the SQS-shaped body dev also takes: each record's body and messageAttributes as Lambda's records carry them.
      const body = entries.some((entry) => entry.attributes)
        ? JSON.stringify({ Records: entries.map((entry) => ({ body: entry.body, messageAttributes: lambdaAttributes(entry.attributes ?? {}) })) })
        : `[${entries.map((entry) => entry.body).join(",")}]`;
      let reply: Reply;
      try {
        reply = await post(query, body);
      } catch (error) {
        throw new TransportError(
          `no answer from ${description} (${networkReason(error)}): start it with \`letsgo-worker dev\`, ` +
            "or set LETSGO_WORKER_QUEUE_URL to send to the deployed SQS queue.",
          "NetworkError",
          "retry",
          { cause: error },
        );
      }
      const { status, text } = reply;
      if (status === 201) {
        const ids = (parse(text) as { messageIds?: unknown } | undefined)?.messageIds;
        if (!Array.isArray(ids) || ids.length !== entries.length || !ids.every((id) => typeof id === "string")) {
          throw new TransportError(`${description} answered 201 without one message id per message: ${text.slice(0, 200)}`, "BadReply", "fatal");
        }
        return { accepted: entries.map((entry, i) => ({ id: entry.id, messageId: ids[i] as string })), refused: [] };
      }
      const reason = errorText(text) ?? `HTTP ${status}`;
      const code = `HTTP ${status}`;
      if (status === 400 || status === 413) throw new TransportError(reason, code, "content");
      if (status === 408 || status === 429 || status >= 500) throw new TransportError(reason, code, "retry");
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
  const { code, message } = error as { code?: string; message?: string };
  if (code === "ETIMEDOUT") return message ?? code;
  return code ?? message ?? String(error);
}
