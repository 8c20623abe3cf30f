/**
 * `letsgo-worker retry`: messages of the dev worker waiting for their next
 * attempt (a failed attempt leaves one invisible for the visibility timeout;
 * an attempt cut short by a dev restart too), listed or tried again now. Dev
 * only: in SQS only the worker that received a message holds the receipt
 * handle that could make it visible early.
 */
import { ServiceError } from "../errors.js";
import type { RetryingView } from "../dev/http/devApi.js";
import { callDevWorker, replyError } from "./devWorkerApi.js";

export type { RetryingView };

export async function listWaiting(baseUrl: string): Promise<RetryingView[]> {
  const reply = await callDevWorker(baseUrl, "/dlq");
  if (reply.status !== 200) throw new ServiceError(`GET /dlq failed (HTTP ${reply.status}): ${replyError(reply)}`);
  const retrying = (reply.body as { retrying?: RetryingView[] }).retrying;
  if (!retrying) throw new ServiceError(`The dev worker at ${baseUrl} does not list waiting messages: it predates \`retry\`. Restart \`letsgo-worker dev\`.`);
  return retrying;
}

/** Try one waiting message again now: its id, or a unique prefix of it. Resolves with its full id. */
export async function retryNow(baseUrl: string, id: string): Promise<string> {
  const reply = await callDevWorker(baseUrl, `/retry?messageId=${encodeURIComponent(id)}`, { method: "POST" });
  if (reply.status !== 200) throw new ServiceError(`Retry failed (HTTP ${reply.status}): ${replyError(reply)}`);
  return (reply.body as { retried: string }).retried;
}

/** Every waiting message, now. A message whose attempt began meanwhile is left to it (not an error). */
export async function retryAll(baseUrl: string): Promise<string[]> {
  const retried: string[] = [];
  for (const message of await listWaiting(baseUrl)) {
    const reply = await callDevWorker(baseUrl, `/retry?messageId=${encodeURIComponent(message.messageId)}`, { method: "POST" });
    if (reply.status === 200) retried.push(message.messageId);
    else if (reply.status !== 404 && reply.status !== 409) throw new ServiceError(`Retry of ${message.messageId} failed (HTTP ${reply.status}): ${replyError(reply)}`);
  }
  return retried;
}
