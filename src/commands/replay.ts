/**
 * `letsgo-worker replay <id>`: enqueue a message from the dev worker's history
 * again, as it was or with another payload, through the dashboard's route (POST
 * /api/replay): the copy is a new message (new id), checked against the
 * project's types like any other, and its story links back to the original.
 */
import { LetsgoError, ServiceError } from "../errors.js";
import { callDevWorker, replyError } from "./devWorkerApi.js";
import { readPayload } from "./enqueue.js";
import { devWorkerUrl } from "./targets.js";

export interface ReplayOptions {
  cwd: string;
  /** The message's id, or its first 8 (at least 4) characters. */
  id: string;
  /** Inline JSON, @file.json or - for stdin; absent replays the payload as it was. */
  payload?: string;
  url?: string;
  baseDir: string;
  readStdin: () => Promise<string>;
}

export interface ReplayResult {
  messageId: string;
  from: string;
  url: string;
}

export async function replayMessage(options: ReplayOptions): Promise<ReplayResult> {
  const body = options.payload === undefined ? "" : JSON.stringify({ payload: await readPayload(options) });
  const base = await devWorkerUrl(options.cwd, options.url);
  const reply = await callDevWorker(base, `/api/replay?id=${encodeURIComponent(options.id)}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  if (reply.status === 201) {
    const { messageId, from } = reply.body as { messageId: string; from: string };
    return { messageId, from, url: base };
  }
  // Refused for what was asked (no such message, a payload the types do not allow): exit 1 with dev's words.
  if (reply.status < 500) throw new LetsgoError(`${replyError(reply)} Nothing was sent.`);
  throw new ServiceError(`The dev worker at ${base} could not replay ${options.id} (HTTP ${reply.status}): ${replyError(reply)}`);
}
