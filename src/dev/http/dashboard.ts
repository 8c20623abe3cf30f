/**
 * The dev dashboard: `GET /` serves a page (dashboard/ in this package: plain
 * HTML, CSS and JavaScript modules, nothing fetched from elsewhere), and the
 * routes below give it JSON and a stream of live updates. Everything goes
 * through the same router, behind the same Host/Origin guard, as the rest of
 * the dev worker's API; the page uses the existing routes too (POST / to send,
 * /dlq, POST /schedule).
 *
 * Live updates (GET /api/events) and the charts' samples are liveHub.ts's: an
 * open dashboard costs one small JSON a second whatever the load.
 */
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError, type Router } from "./http.js";
import { idNamedBy } from "./idPrefix.js";
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from "../../runtime/messageRules.js";
import type { HistoryEntry, MessageHistory } from "../history/history.js";
import type { Answer, MessageStory, ScheduleView } from "./devApi.js";
import type { SendableType } from "./sendableTypes.js";
import type { DeployedView } from "../../aws/deployedView.js";
import { LiveHub, type LiveSource } from "./liveHub.js";
import { SERIES_SECONDS } from "./liveSeries.js";

/** What the dashboard reads from the running worker: what the live stream reads, and what the views ask for. */
export interface DashboardSource extends LiveSource {
  /** A message's story: its entry, its timeline, and when it is tried again if it waits. */
  story(entry: HistoryEntry): MessageStory;
  /** Message types the project declares, each with a payload that fits it. */
  messageTypes(): Promise<SendableType[]>;
  schedule(): ScheduleView;
  stripeEventTypes: readonly string[];
  /** Enqueue a copy of a message from the history, with its payload replaced if given; the new id. */
  replay(id: string, payload?: unknown): Promise<{ messageId: string }>;
  /** The deployed worker, read from AWS now. */
  deployed(): Promise<DeployedView>;
  /** Start moving the deployed DLQ's messages back to its queue. */
  redriveDeployed(): Promise<{ taskHandle: string; approximateCount: number }>;
  /** Sign and deliver a Stripe test event of `type` to POST /stripe's handler. */
  triggerStripe(type: string): Promise<{ status: number; body: unknown }>;
}

/** The page's files, shipped in the package next to dist/. */
const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "dashboard");
const ASSET_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The page's files by URL path (/dashboard/app.js, /dashboard/views/dlq.js...): what ships in dashboard/, nothing else. */
function assetPaths(): Map<string, string> {
  const files = readdirSync(ASSETS_DIR, { recursive: true, encoding: "utf8" }).filter((file) => Object.hasOwn(ASSET_TYPES, path.extname(file)));
  return new Map(files.map((file) => [`/dashboard/${file.split(path.sep).join("/")}`, file]));
}

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
  router.add("GET", "/favicon.ico", serve("favicon.svg")); // asked for by browsers whatever the page links
  for (const [urlPath, file] of assetPaths()) if (file !== "index.html") router.add("GET", urlPath, serve(file));

  const hub = new LiveHub(source);
  router.add("GET", "/api/series", () => ({ status: 200, body: { points: hub.series.points(), seconds: SERIES_SECONDS } satisfies Answer<"GET /api/series"> }));
  router.add("GET", "/api/overview", () => ({ status: 200, body: hub.overview() satisfies Answer<"GET /api/overview"> }));
  router.add("GET", "/api/messages", (request) => {
    const { messages, matching } = source.history.list({
      query: request.query.get("q") ?? undefined,
      type: request.query.get("type") || undefined,
      status: request.query.get("status") || undefined,
      limit: Number(request.query.get("limit")) || 200,
    });
    return { status: 200, body: { messages, matching, total: source.history.size } satisfies Answer<"GET /api/messages"> };
  });
  router.add("GET", "/api/message", (request) => {
    const entry = findEntry(source.history, request.query.get("id"));
    return { status: 200, body: { message: source.story(entry) } satisfies Answer<"GET /api/message"> };
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
  // AWS's answer is the page's to show: a failure (no credentials, not deployed) is a 502 with its reason.
  const fromAws = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      throw new HttpError(502, error instanceof Error ? error.message : String(error));
    }
  };
  router.add("GET", "/api/deployed", async () => ({ status: 200, body: (await fromAws(() => source.deployed())) satisfies Answer<"GET /api/deployed"> }));
  router.add("POST", "/api/deployed/redrive", async () => ({ status: 202, body: (await fromAws(() => source.redriveDeployed())) satisfies Answer<"POST /api/deployed/redrive"> }));
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
    (prefix) => history.list({ query: prefix, limit: 3 }).messages.filter((summary) => summary.id.startsWith(prefix)).map((summary) => summary.id),
    "messages",
  );
  if (id) return history.get(id)!;
  throw new HttpError(404, `No message ${given} in the history (it keeps the newest 10,000 of the last 7 days).`);
}
