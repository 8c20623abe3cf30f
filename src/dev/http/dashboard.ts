/**
 * The dev dashboard: `GET /` serves a page (dashboard/ in this package: plain
 * HTML, CSS and JavaScript modules, nothing fetched from elsewhere), and the
 * routes below give it JSON and a stream of live updates. Everything goes
 * through the same router, behind the same Host/Origin guard, as the rest of
 * the dev worker's API; the page uses the existing routes too (POST / to send,
 * /dlq, POST /schedule).
 *
 * Live updates are Server-Sent Events (GET /api/events): one tick a second,
 * only while a page is open, carrying the counts, the rates, the processes and
 * the summaries of messages that changed since the last tick (at most 100). So
 * an open dashboard costs one small JSON a second whatever the load.
 */
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError, type Router } from "./http.js";
import { idNamedBy } from "./idPrefix.js";
import type { JournalState } from "../journal/journalTypes.js";
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from "../../runtime/messageRules.js";
import type { HistoryEntry, HistorySummary, MessageHistory } from "../history/history.js";
import type { QueueStats } from "../queue/queueRecords.js";
import type { TypesState } from "../types/typeChecks.js";
import type { RetryingView } from "./devApi.js";
import type { Answer, LiveEvents, Overview, ScheduleView } from "./devApi.js";
import type { SendableType } from "./sendableTypes.js";

/** What the dashboard reads from the running worker. */
export interface DashboardSource {
  history: MessageHistory;
  stats(): QueueStats;
  /** Whether the journal can be written (a full disk: POST / answers 503), as /health says it. */
  journal(): JournalState;
  /** Messages handled and failed so far (this session): the rates are their differences. */
  counters(): { processed: number; failed: number };
  processes(): Array<{ pid?: number; state: string }>;
  restarts(): number;
  settings(): Record<string, unknown>;
  handler(): { loaded: boolean; loadMs?: number; error?: string };
  /** The latest background type check of the worker. */
  types(): TypesState;
  /** A message waiting for its next attempt: when, and when it would be in the DLQ; undefined when it is not waiting. */
  retryOf(id: string): RetryingView | undefined;
  /** Message types the project declares, each with a payload that fits it. */
  messageTypes(): Promise<SendableType[]>;
  schedule(): ScheduleView;
  stripeEventTypes: readonly string[];
  /** Enqueue a copy of a message from the history, with its payload replaced if given; the new id. */
  replay(id: string, payload?: unknown): Promise<{ messageId: string }>;
  /** Sign and deliver a Stripe test event of `type` to POST /stripe's handler. */
  triggerStripe(type: string): Promise<{ status: number; body: unknown }>;
}

/** The page's files, shipped in the package next to dist/. */
const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "dashboard");
const ASSET_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The page's files by URL path (/dashboard/app.js, /dashboard/views/dlq.js...): what ships in dashboard/, nothing else. */
function assetPaths(): Map<string, string> {
  const files = readdirSync(ASSETS_DIR, { recursive: true, encoding: "utf8" }).filter((file) => Object.hasOwn(ASSET_TYPES, path.extname(file)));
  return new Map(files.map((file) => [`/dashboard/${file.split(path.sep).join("/")}`, file]));
}

const TICK_MS = 1_000;
const CHANGED_PER_TICK = 100;
/**
 * Open live-update streams at most: each holds a file descriptor, and dev must
 * keep enough for messages (POST /) and its journal. Pages past it are told to
 * come back (EventSource reconnects by itself).
 */
export const MAX_LIVE_CLIENTS = 32;

export function addDashboardRoutes(router: Router, source: DashboardSource): { close(): void } {
  const assets = new Map<string, Promise<Buffer>>();
  const asset = (name: string) => {
    let file = assets.get(name);
    if (!file) assets.set(name, (file = readFile(path.join(ASSETS_DIR, name))));
    return file;
  };
  const serve = (name: string) => async () => ({
    status: 200,
    raw: await asset(name),
    headers: { "content-type": ASSET_TYPES[path.extname(name)]!, "cache-control": "no-cache" },
  });
  router.add("GET", "/", serve("index.html"));
  for (const [urlPath, file] of assetPaths()) if (file !== "index.html") router.add("GET", urlPath, serve(file));

  const hub = new LiveHub(source);
  router.add("GET", "/api/overview", () => ({ status: 200, body: hub.overview() satisfies Answer<"GET /api/overview"> }));
  router.add("GET", "/api/messages", (request) => ({
    status: 200,
    body: {
      messages: source.history.list({
        query: request.query.get("q") ?? undefined,
        type: request.query.get("type") || undefined,
        status: request.query.get("status") || undefined,
        limit: Number(request.query.get("limit")) || 200,
      }),
      total: source.history.size,
    } satisfies Answer<"GET /api/messages">,
  }));
  router.add("GET", "/api/message", (request) => {
    const entry = findEntry(source.history, request.query.get("id"));
    return { status: 200, body: { message: { ...storyOf(entry), retry: source.retryOf(entry.id) ?? null } } satisfies Answer<"GET /api/message"> };
  });
  router.add("POST", "/api/replay", async (request) => {
    const entry = findEntry(source.history, request.query.get("id"));
    const raw = (await request.body(2 * 1024 * 1024)).toString("utf8").trim();
    let payload: unknown;
    if (raw !== "") {
      // As POST / checks it, before anything walks the value (a 10,000-deep body would overflow the stack).
      if (jsonNestsDeeperThan(raw, MAX_JSON_DEPTH + 2)) throw new HttpError(400, `The replay's body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten the payload.`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        throw new HttpError(400, `The replay's body is not valid JSON (${(error as Error).message}): send {"payload": ...} or nothing.`);
      }
      if (typeof parsed !== "object" || parsed === null || !("payload" in parsed)) throw new HttpError(400, 'Send {"payload": ...} to replace the payload, or no body to replay it as it was.');
      payload = (parsed as { payload: unknown }).payload;
    }
    const { messageId } = await source.replay(entry.id, payload);
    return { status: 201, body: { messageId, from: entry.id } satisfies Answer<"POST /api/replay"> };
  });
  router.add("GET", "/api/types", async () => ({ status: 200, body: { types: await source.messageTypes() } satisfies Answer<"GET /api/types"> }));
  router.add("GET", "/api/schedule", () => ({ status: 200, body: source.schedule() satisfies Answer<"GET /api/schedule"> }));
  router.add("GET", "/api/stripe", () => ({ status: 200, body: { types: source.stripeEventTypes } satisfies Answer<"GET /api/stripe"> }));
  router.add("POST", "/api/stripe/trigger", async (request) => {
    const type = request.query.get("type") ?? "";
    if (!source.stripeEventTypes.includes(type)) throw new HttpError(400, `Unknown Stripe event type "${type}"; GET /api/stripe lists them.`);
    const delivered = await source.triggerStripe(type);
    return { status: delivered.status, body: delivered.body as Answer<"POST /api/stripe/trigger"> };
  });
  router.add("GET", "/api/events", () => {
    if (hub.clientCount >= MAX_LIVE_CLIENTS) {
      const error = new HttpError(503, `${MAX_LIVE_CLIENTS} dashboard pages are already following live updates; close one (this page retries by itself).`);
      throw Object.assign(error, { retryAfterSeconds: 5 });
    }
    return { status: 200, stream: (res, req) => hub.attach(res, req) };
  });
  return { close: () => hub.close() };
}

/** A full id, or a prefix of at least 4 characters naming one message. */
function findEntry(history: MessageHistory, given: string | null): HistoryEntry {
  if (!given) throw new HttpError(400, "Give the message's id: ?id=<id or its first 8 characters>.");
  const id = idNamedBy(
    given,
    (candidate) => history.get(candidate) !== undefined,
    (prefix) => history.list({ query: prefix, limit: 3 }).filter((summary) => summary.id.startsWith(prefix)).map((summary) => summary.id),
    "messages",
  );
  if (id) return history.get(id)!;
  throw new HttpError(404, `No message ${given} in the history (it keeps the newest 10,000 of the last 7 days).`);
}

/** A message's story as the page shows it: the body parsed when it is JSON. */
function storyOf(entry: HistoryEntry) {
  let message: unknown;
  try {
    message = JSON.parse(entry.body);
  } catch {
    message = undefined;
  }
  return { ...entry, message };
}

/** The open pages, and the one timer that feeds them while there are any. */
class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private seq: number;
  private last: { at: number; processed: number; failed: number };
  private rates = { handledPerSecond: 0, failedPerSecond: 0 };

  constructor(private readonly source: DashboardSource) {
    this.seq = source.history.version;
    const { processed, failed } = source.counters();
    this.last = { at: performance.now(), processed, failed };
  }

  overview(): Overview {
    return {
      stats: this.source.stats(),
      journal: this.source.journal(),
      rates: this.rates,
      processes: this.processesWithMemory(),
      restarts: this.source.restarts(),
      handler: this.source.handler(),
      types: this.source.types(),
      settings: this.source.settings(),
      historySize: this.source.history.size,
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse, req: IncomingMessage): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    // A reconnecting page gets a fresh overview: the history it missed it reloads itself.
    res.write(`retry: 1000\n${liveFrame("overview", this.overview())}`);
    this.clients.add(res);
    const detach = () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    };
    req.on("close", detach);
    res.on("error", detach);
    if (!this.timer) {
      this.seq = this.source.history.version;
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  close(): void {
    this.stop();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    const { processed, failed } = this.source.counters();
    const seconds = (now - this.last.at) / 1000;
    this.rates = {
      handledPerSecond: Math.max(0, Math.round((processed - this.last.processed) / seconds)),
      failedPerSecond: Math.max(0, Math.round((failed - this.last.failed) / seconds)),
    };
    this.last = { at: now, processed, failed };
    const { seq, changed } = this.source.history.changedSince(this.seq, CHANGED_PER_TICK);
    this.seq = seq;
    const frames = [liveFrame("overview", this.overview())];
    if (changed.length > 0) frames.push(liveFrame("messages", changed));
    const text = frames.join("");
    for (const res of this.clients) res.write(text);
  }

  /** Each process's resident memory, from /proc where there is one (Linux). */
  private processesWithMemory() {
    return this.source.processes().map((proc) => ({ ...proc, ...(proc.pid === undefined ? {} : rssOf(proc.pid)) }));
  }
}

/** One Server-Sent Event of the live stream, typed by its name. */
function liveFrame<E extends keyof LiveEvents>(event: E, data: LiveEvents[E]): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function rssOf(pid: number): { rssMb?: number } {
  try {
    // statm: size resident shared ... in pages.
    const resident = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return Number.isFinite(resident) ? { rssMb: Math.round((resident * 4096) / 1048576) } : {};
  } catch {
    return {};
  }
}
