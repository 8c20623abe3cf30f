/**
 * An HTTP proxy on loopback that can cut requests before they reach the real
 * server behind it: the transient failure (a dropped connection) a sender must
 * retry, shown on real sockets. Requests it lets through are forwarded as they are.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyProxy {
  url: string;
  /** Cut the next `count` requests. */
  failNext(count: number): void;
  /** Cut every request until called with false. */
  failAll(on: boolean): void;
  /** Requests that reached the proxy (cut or not). */
  readonly requests: number;
  stop(): Promise<void>;
}

export async function startFlakyProxy(upstream: string): Promise<FlakyProxy> {
  const target = new URL(upstream);
  let toFail = 0;
  let failing = false;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (failing || toFail > 0) {
      if (toFail > 0) toFail--;
      req.socket.destroy();
      return;
    }
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on("error", () => req.socket.destroy());
    req.pipe(forward);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext: (count) => void (toFail = count),
    failAll: (on) => void (failing = on),
    get requests() {
      return requests;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
