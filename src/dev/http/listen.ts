/** The dev worker's HTTP listener: which port and host, start and stop. */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ServiceError } from "../../errors.js";

/** The port of LETSGO_LOCAL_QUEUE_URL (3002 when it has none or is not a URL). */
export function portOf(queueUrl: string): number {
  try {
    const parsed = new URL(queueUrl);
    return parsed.port ? Number(parsed.port) : 3002;
  } catch {
    return 3002;
  }
}

/** The host to put in URLs that reach a server listening on `host`. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ServiceError(`Port ${port} on ${host} is in use (another dev worker?). Stop it or pass --port.`, { cause: error })
          : error,
      );
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Stop accepting; requests already in progress get a moment to finish (their 201 waits for the disk). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}

export interface StartingServer {
  url: string;
  port: number;
  /** Answer with `listener` from now on. */
  serve(listener: RequestListener): void;
  /** Stop accepting (closeServer); resolves when the requests in progress have ended. */
  close(): Promise<void>;
}

/**
 * Listen at once, answering 503 with Retry-After (senders retry) until serve():
 * the handler processes need the URL (they enqueue follow-ups to it) before
 * every part is up.
 */
export async function listenWhileStarting(port: number, host: string): Promise<StartingServer> {
  let route: RequestListener = (_req, res) => {
    res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ error: "The dev worker is starting; try again in a moment." }));
  };
  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => route(req, res));
  const bound = await listen(server, port, host);
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}`,
    port: bound,
    serve: (listener) => void (route = listener),
    close: () => (closed ??= closeServer(server)),
  };
}
