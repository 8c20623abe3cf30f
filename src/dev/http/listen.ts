/** The dev worker's HTTP listener: which port and host, start and stop. */
import type { Server } from "node:http";
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
