/**
 * Lambda's Runtime API (version 2018-06-01), served by `dev` to one execution
 * environment: the runtime in a container of the built image (AWS's own
 * runtime client, started by the image's entrypoint with
 * AWS_LAMBDA_RUNTIME_API pointing here) asks for its next invocation, and
 * answers it, as it does in Lambda:
 *   GET  /2018-06-01/runtime/invocation/next           held until there is an event
 *   POST /2018-06-01/runtime/invocation/{id}/response  the handler's result
 *   POST /2018-06-01/runtime/invocation/{id}/error     the handler failed
 *   POST /2018-06-01/runtime/init/error                the handler failed to load
 * One invocation at a time, as an environment runs them; `invoke()` resolves
 * with how it ended. Request ids other than the current one, and payloads over
 * Lambda's 6 MB, are refused with the errors Lambda's own API gives.
 */
import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBodyWithin } from "../http/requestBody.js";

export const RUNTIME_API_VERSION = "2018-06-01";
/** Lambda's synchronous response limit. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

export interface RuntimeInvocation {
  requestId: string;
  /** The event, as JSON. */
  event: string;
  /** When the function times out, in ms since the epoch (Lambda-Runtime-Deadline-Ms). */
  deadlineMs: number;
  functionArn: string;
  traceId: string;
}

/** An error as the runtime reports it: Lambda's error shape (the Node runtime sends the stack as `trace`, one line an item). */
export interface RuntimeError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type RuntimeOutcome =
  | { kind: "response"; body: string }
  | { kind: "error"; error: RuntimeError }
  /** The handler failed to load: the environment is done for (Lambda starts another). */
  | { kind: "init-error"; error: RuntimeError }
  /** The environment went away before answering (closed, killed). */
  | { kind: "gone"; reason: string };

type Events = {
  /** The runtime asked for its next invocation: it has loaded, or finished the last one. */
  ready: [];
  "init-error": [RuntimeError];
};

interface Current {
  invocation: RuntimeInvocation;
  /** Handed to the runtime's GET next. */
  sent: boolean;
  resolve: (outcome: RuntimeOutcome) => void;
}

export class RuntimeApiServer extends EventEmitter<Events> {
  private current: Current | null = null;
  /** The runtime's GET next, held until there is an invocation. */
  private waiting: http.ServerResponse | null = null;
  private initError: RuntimeError | null = null;
  private closed = false;

  private constructor(private readonly server: http.Server) {
    super();
  }

  /** Listen on `host` (loopback by default) and a free port. */
  static async start(host = "127.0.0.1"): Promise<RuntimeApiServer> {
    const server = http.createServer();
    const api = new RuntimeApiServer(server);
    server.on("request", (req, res) => api.route(req, res));
    // The GET next is long-polled: no timeout on it, as Lambda's has none.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    return api;
  }

  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  /** Whether the runtime is waiting for an invocation now (loaded and idle). */
  get isWaiting(): boolean {
    return this.waiting !== null && this.current === null;
  }

  /** Hand `invocation` to the runtime (now if it waits, else at its next GET) and resolve with how it ended. */
  invoke(invocation: RuntimeInvocation): Promise<RuntimeOutcome> {
    if (this.closed) return Promise.resolve({ kind: "gone", reason: "the Runtime API is closed" });
    if (this.initError) return Promise.resolve({ kind: "init-error", error: this.initError });
    if (this.current) return Promise.reject(new Error("an invocation is already running in this environment"));
    return new Promise((resolve) => {
      this.current = { invocation, sent: false, resolve };
      this.handOver();
    });
  }

  /** End the invocation running now, if any, with `reason` (the environment was stopped or died). */
  abandon(reason: string): void {
    this.settle({ kind: "gone", reason });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abandon("the Runtime API is closed");
    this.waiting?.destroy();
    this.waiting = null;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private settle(outcome: RuntimeOutcome): void {
    const current = this.current;
    this.current = null;
    current?.resolve(outcome);
  }

  private handOver(): void {
    const res = this.waiting;
    const current = this.current;
    if (!res || !current || current.sent) return;
    this.waiting = null;
    current.sent = true;
    const { invocation } = current;
    res.writeHead(200, {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": invocation.requestId,
      "lambda-runtime-deadline-ms": String(invocation.deadlineMs),
      "lambda-runtime-invoked-function-arn": invocation.functionArn,
      "lambda-runtime-trace-id": invocation.traceId,
    });
    res.end(invocation.event);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "").split("?")[0]!;
    const prefix = `/${RUNTIME_API_VERSION}/runtime/`;
    if (!path.startsWith(prefix)) return reply(res, 404, { errorType: "NotFound", errorMessage: `no such path: ${path}` });
    const rest = path.slice(prefix.length);
    if (req.method === "GET" && rest === "invocation/next") return this.next(req, res);
    if (req.method !== "POST") return reply(res, 405, { errorType: "MethodNotAllowed", errorMessage: `${req.method} ${path}` });
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (rest === "init/error" || match) {
      readBodyWithin(req, MAX_RESPONSE_BYTES).then(
        (bytes) => {
          const body = bytes?.toString("utf8") ?? null;
          if (body === null) return reply(res, 413, { errorType: "RequestEntityTooLarge", errorMessage: `the response is over Lambda's ${MAX_RESPONSE_BYTES} bytes` });
          if (!match) return this.onInitError(res, body, req);
          this.onResult(res, decodeURIComponent(match[1]!), match[2] as "response" | "error", body, req);
        },
        () => res.destroy(),
      );
      return;
    }
    reply(res, 404, { errorType: "NotFound", errorMessage: `no such path: ${path}` });
  }

  private next(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A new GET while one waits: the old connection is gone (the runtime asks on one connection at a time).
    this.waiting?.destroy();
    this.waiting = res;
    req.socket.setTimeout(0);
    res.on("close", () => {
      if (this.waiting === res) this.waiting = null;
    });
    // The runtime finished the last invocation without answering it: Lambda counts that as an error too.
    if (this.current?.sent) this.settle({ kind: "error", error: { errorType: "Runtime.NoResponse", errorMessage: "the runtime asked for the next invocation without answering this one" } });
    this.emit("ready");
    this.handOver();
  }

  private onResult(res: http.ServerResponse, requestId: string, kind: "response" | "error", body: string, req: http.IncomingMessage): void {
    const current = this.current;
    if (!current || !current.sent || current.invocation.requestId !== requestId) {
      return reply(res, 400, { errorType: "InvalidRequestID", errorMessage: `no invocation ${requestId} is running` });
    }
    reply(res, 202, { status: "OK" });
    if (kind === "response") this.settle({ kind: "response", body });
    else this.settle({ kind: "error", error: parseError(body, req.headers["lambda-runtime-function-error-type"]) });
  }

  private onInitError(res: http.ServerResponse, body: string, req: http.IncomingMessage): void {
    reply(res, 202, { status: "OK" });
    this.initError = parseError(body, req.headers["lambda-runtime-function-error-type"]);
    this.emit("init-error", this.initError);
    if (this.current) this.settle({ kind: "init-error", error: this.initError });
  }
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}


/** Lambda's error shape from what the runtime posted; a body that is not one is kept as the message. */
function parseError(body: string, typeHeader: string | string[] | undefined): RuntimeError {
  const headerType = Array.isArray(typeHeader) ? typeHeader[0] : typeHeader;
  try {
    const parsed = JSON.parse(body) as Partial<RuntimeError> & { stackTrace?: unknown };
    if (parsed && typeof parsed === "object") {
      // `trace` from Node's runtime; `stackTrace` is what other runtimes call it.
      const trace = Array.isArray(parsed.trace) ? parsed.trace : Array.isArray(parsed.stackTrace) ? parsed.stackTrace : undefined;
      return {
        errorType: typeof parsed.errorType === "string" ? parsed.errorType : (headerType ?? "Unknown"),
        errorMessage: typeof parsed.errorMessage === "string" ? parsed.errorMessage : "",
        ...(trace ? { trace: trace.map(String) } : {}),
      };
    }
  } catch {
    // not JSON: the text is the message
  }
  return { errorType: headerType ?? "Unknown", errorMessage: body };
}
