/**
 * A very small router over node:http: routes are a table of method + path, so
 * later routes (POST /schedule, POST /stripe) are one `add` each. Replies are JSON;
 * an unknown path is 404, a known path with another method is 405.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestGuard } from "./requestGuard.js";
import { readBodyWithin } from "./requestBody.js";

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** The raw body, read only when asked; over `limit` bytes it is an HttpError 413. */
  body(limit: number): Promise<Buffer>;
}

export interface Reply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is instead of `body` (a page, a script): give its content-type in `headers`. */
  raw?: string | Buffer;
  /** Takes the response over (a stream of Server-Sent Events): the router writes nothing. */
  stream?: (res: ServerResponse, req: IncomingMessage) => void;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: Request) => Reply | Promise<Reply>;

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NO_QUERY = new URLSearchParams();

/**
 * On every reply. The dashboard acts on this machine's queue, so no other page
 * may frame it (a click in a frame would be a click on "Redrive"), and the page
 * runs only its own script and style files: text from messages can never run.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

export class Router {
  private readonly routes = new Map<string, Map<string, RouteHandler>>();

  /** `guard` sees every request first; what it refuses is answered 403 without touching a route. */
  constructor(private readonly guard?: RequestGuard) {}

  add(method: string, path: string, handler: RouteHandler): this {
    let byMethod = this.routes.get(path);
    if (!byMethod) this.routes.set(path, (byMethod = new Map()));
    byMethod.set(method.toUpperCase(), handler);
    return this;
  }

  /** The request listener for http.createServer. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res);
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? "/";
    const mark = target.indexOf("?");
    const path = mark === -1 ? target : target.slice(0, mark);
    const query = mark === -1 ? NO_QUERY : new URLSearchParams(target.slice(mark + 1));
    const method = req.method ?? "GET";
    let reply: Reply;
    const refused = this.guard?.({ host: req.headers.host, origin: req.headers.origin });
    try {
      if (refused !== undefined) throw new HttpError(403, refused);
      const byMethod = this.routes.get(path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path);
      // HEAD is GET without the body, as HTTP defines it.
      const handler = byMethod?.get(method) ?? (method === "HEAD" ? byMethod?.get("GET") : undefined);
      if (!byMethod) reply = { status: 404, body: { error: `No route ${path}. Send messages with POST /.` } };
      else if (!handler) {
        const allowed = [...byMethod.keys(), ...(byMethod.has("GET") ? ["HEAD"] : [])].join(", ");
        reply = { status: 405, body: { error: `${method} is not allowed on ${path}; use ${allowed}.` }, headers: { allow: allowed } };
      } else {
        reply = await handler({ method, path, query, headers: req.headers, body: (limit) => readBody(req, limit) });
      }
    } catch (error) {
      // Errors may say which status fits them (503 from a journal that is closing: senders retry).
      const status = error instanceof HttpError ? error.status : ((error as { httpStatus?: number }).httpStatus ?? 500);
      const retryAfter = (error as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      reply = { status, body: { error: error instanceof Error ? error.message : String(error) } };
      if (retryAfter !== undefined) reply.headers = { "retry-after": String(retryAfter) };
    }
    if (!req.complete) req.resume(); // drain an unread body so the connection can be reused
    if (reply.stream) return reply.stream(res, req);
    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...SECURITY_HEADERS, ...reply.headers });
    res.end(method === "HEAD" ? undefined : text);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const body = await readBodyWithin(req, limit);
  if (body === null) throw new HttpError(413, `The request body is larger than ${limit} bytes.`);
  return body;
}
