/**
 * Slack notifications through an incoming webhook. Best effort by design: every
 * delivery problem is logged and reported in the result, never thrown, so a
 * notification cannot fail (and so re-run) the handler that sent it. Retries are
 * few and bounded for the same reason: the handler's Lambda time is what they spend.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { firstLine } from "./errors.js";
import { createLogger, type Logger } from "./log.js";

export const SLACK_WEBHOOK_URL_ENV = "SLACK_WEBHOOK_URL";

/** Slack's mrkdwn control characters, escaped: a customer named "<!channel>" must not ping anyone. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const SLACK_DEFAULT_ATTEMPTS = 3;
export const SLACK_DEFAULT_TIMEOUT_MS = 3000;
export const SLACK_DEFAULT_MAX_RETRY_AFTER_MS = 5000;
/** Wait before the 2nd and 3rd attempt (and any later one: the last value). */
const BACKOFF_MS = [250, 1000];
const BODY_SNIPPET_CHARS = 200;

export interface SlackMessage {
  /** Shown in the channel and in notifications; the fallback when `blocks` are given. */
  text: string;
  /** Block Kit blocks, passed through as they are. */
  blocks?: unknown[];
}

export interface NotifySlackOptions {
  /** Default: SLACK_WEBHOOK_URL, read at each call. An empty string means "not configured". */
  webhookUrl?: string;
  /** Default: the runtime logger (LETSGO_LOG_LEVEL). */
  logger?: Logger;
  /** Attempts in all, the first included. Default: 3. */
  attempts?: number;
  /** Per-attempt timeout. Default: 3000 ms. */
  timeoutMs?: number;
  /** A 429 asking to wait longer than this gives up instead. Default: 5000 ms. */
  maxRetryAfterMs?: number;
}

/**
 * `not-configured`: no webhook URL, nothing posted. `failed`: not delivered, or
 * not even tried (`attempts: 0`) when the message is empty or the URL is unusable.
 */
export type SlackNotifyResult =
  | { sent: true; attempts: number }
  | { sent: false; reason: "not-configured" }
  | { sent: false; reason: "failed"; error: string; status?: number; attempts: number };

type Attempt =
  | { ok: true }
  | { ok: false; retriable: boolean; error: string; status?: number; retryAfterMs?: number };

export async function notifySlack(message: string | SlackMessage, options: NotifySlackOptions = {}): Promise<SlackNotifyResult> {
  const logger = options.logger ?? createLogger();
  const webhookUrl = options.webhookUrl ?? process.env[SLACK_WEBHOOK_URL_ENV];
  if (!webhookUrl) {
    logger.debug(`slack notification skipped: ${SLACK_WEBHOOK_URL_ENV} is not set`);
    return { sent: false, reason: "not-configured" };
  }
  const notTried = (error: string): SlackNotifyResult => {
    logger.error("slack notification not sent", { attempts: 0, error });
    return { sent: false, reason: "failed", error, attempts: 0 };
  };

  const body = slackBody(message);
  if (!body) return notTried("the message has no text and no blocks");
  const url = parseWebhookUrl(webhookUrl);
  if (!url) return notTried("the webhook URL is not an http(s) URL");

  const attempts = positiveInteger(options.attempts, SLACK_DEFAULT_ATTEMPTS);
  const timeoutMs = positiveInteger(options.timeoutMs, SLACK_DEFAULT_TIMEOUT_MS);
  const maxRetryAfterMs = nonNegative(options.maxRetryAfterMs, SLACK_DEFAULT_MAX_RETRY_AFTER_MS);
  // The URL is a secret (anyone holding it can post): it must not reach a log line or a result.
  const redact = redactor(url);

  for (let attempt = 1; ; attempt++) {
    const outcome = await postOnce(url, body, timeoutMs);
    if (outcome.ok) {
      logger.debug("slack notification sent", { attempts: attempt });
      return { sent: true, attempts: attempt };
    }
    const error = redact(outcome.error);
    let waitMs = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length) - 1]! * (1 + Math.random() * 0.2);
    let retriable = outcome.retriable && attempt < attempts;
    let giveUpError = error;
    if (retriable && outcome.retryAfterMs !== undefined) {
      if (outcome.retryAfterMs > maxRetryAfterMs) {
        retriable = false;
        giveUpError = `${error} (Retry-After ${Math.ceil(outcome.retryAfterMs / 1000)} s is over the ${maxRetryAfterMs} ms cap)`;
      } else {
        waitMs = outcome.retryAfterMs;
      }
    }
    if (!retriable) {
      const status = outcome.status === undefined ? {} : { status: outcome.status };
      logger.error("slack notification failed", { attempts: attempt, ...status, error: giveUpError });
      return { sent: false, reason: "failed", error: giveUpError, ...status, attempts: attempt };
    }
    logger.debug("slack notification attempt failed, retrying", {
      attempt,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      error,
      retryInMs: Math.round(waitMs),
    });
    await sleep(waitMs);
  }
}

async function postOnce(url: URL, body: string, timeoutMs: number): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      // A redirect is not Slack's webhook answering: report it rather than follow it elsewhere.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, retriable: true, error: describeFetchError(error, timeoutMs) };
  }
  const snippet = await bodySnippet(response);
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const status = response.status;
  const retriable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retriable ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
  return {
    ok: false,
    retriable,
    status,
    error: `HTTP ${status}${snippet ? `: ${snippet}` : ""}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The JSON Slack expects, or undefined when there is nothing to post (Slack would answer 400 no_text). */
function slackBody(message: string | SlackMessage): string | undefined {
  const { text, blocks } = typeof message === "string" ? { text: message, blocks: undefined } : (message ?? { text: "" });
  const hasText = typeof text === "string" && text.trim() !== "";
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (!hasText && !hasBlocks) return undefined;
  return JSON.stringify(hasBlocks ? { text: hasText ? text : "", blocks } : { text });
}

function parseWebhookUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined; // TypeError's message would quote the URL
  }
}

/** Replaces the URL and its secret parts (path, query) wherever they show up. */
function redactor(url: URL): (text: string) => string {
  const secrets = [url.href, url.href.replace(/\/$/, ""), url.pathname + url.search, url.pathname, url.search]
    .filter((part) => part.length > 1)
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join("<webhook>"), text);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  // undici says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, other side closed, ...).
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause === undefined) return firstLine(error);
  const code = (cause as { code?: unknown }).code;
  return `${firstLine(error)}: ${firstLine(cause) || (typeof code === "string" ? code : "unknown cause")}`;
}

async function bodySnippet(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim().replace(/\s+/g, " ");
    return text.length > BODY_SNIPPET_CHARS ? `${text.slice(0, BODY_SNIPPET_CHARS)}…` : text;
  } catch {
    return ""; // the status already says what happened
  }
}

/** Retry-After is seconds or an HTTP date; milliseconds from now, or undefined when unusable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function positiveInteger(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}
