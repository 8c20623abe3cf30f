/**
 * Talking to a running `letsgo-worker dev` over HTTP, for the commands that
 * drive it (enqueue, dlq, schedule run, stripe trigger): one place that turns
 * "connection refused" into advice.
 */
import { ServiceError } from "../errors.js";

export interface DevReply {
  status: number;
  body: unknown;
}

export async function callDevWorker(
  baseUrl: string,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<DevReply> {
  const url = new URL(path, baseUrl);
  let response: Response;
  try {
    response = await fetch(url, { method: init.method ?? "GET", body: init.body, headers: init.headers });
  } catch (error) {
    throw new ServiceError(
      `No dev worker is listening at ${url.origin}: start it with \`letsgo-worker dev\` (or set LETSGO_LOCAL_QUEUE_URL / --url).`,
      { cause: error },
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

export function postToDevWorker(baseUrl: string, path: string, body: string, headers: Record<string, string> = {}): Promise<DevReply> {
  return callDevWorker(baseUrl, path, { method: "POST", body, headers });
}

/** The `error` field of a dev worker's JSON error reply, or the raw body. */
export function replyError(reply: DevReply): string {
  const body = reply.body as { error?: unknown } | null;
  return typeof body?.error === "string" ? body.error : JSON.stringify(reply.body);
}
