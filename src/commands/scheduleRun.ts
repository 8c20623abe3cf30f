/**
 * The core of `letsgo-worker schedule run`: ask the running dev worker to fire
 * the scheduled handler now (POST <url>/schedule) and report what happened.
 */
import { postToDevWorker, replyError } from "./devWorkerApi.js";
import { ServiceError, SettingsError } from "../errors.js";
import { devWorkerUrl } from "./targets.js";
import { ScheduledHandlerError } from "../schedule/errors.js";

export interface RunScheduleOptions {
  cwd: string;
  /** The dev worker's base URL; default: this project's running dev worker, else LETSGO_LOCAL_QUEUE_URL. */
  url?: string;
}

export interface RunScheduleResult {
  /** The URL that was called. */
  url: string;
  /** How long the handler ran, as the dev worker reported it. */
  durationMs?: number;
  /** The dev worker's JSON answer, as received. */
  response: unknown;
}

export async function runSchedule(options: RunScheduleOptions): Promise<RunScheduleResult> {
  const base = await devWorkerUrl(options.cwd, options.url);
  let url: string;
  try {
    url = new URL("/schedule", base).toString();
  } catch (error) {
    throw new SettingsError(`"${base}" is not a URL; pass --url http://localhost:3002 or set LETSGO_LOCAL_QUEUE_URL.`, { cause: error });
  }

  // Connection refused becomes a ServiceError with advice, in the shared client.
  const reply = await postToDevWorker(base, "/schedule", "{}", { "content-type": "application/json" });
  if (reply.status >= 200 && reply.status < 300) {
    const durationMs = (reply.body as { durationMs?: unknown } | null)?.durationMs;
    return { url, durationMs: typeof durationMs === "number" ? durationMs : undefined, response: reply.body };
  }
  if (reply.status === 500) throw new ScheduledHandlerError(`The scheduled handler failed: ${replyError(reply)}`);
  throw new ServiceError(`The dev worker at ${base} answered HTTP ${reply.status} to POST /schedule: ${replyError(reply)}`);
}
