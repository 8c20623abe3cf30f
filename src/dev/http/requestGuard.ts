/**
 * Which requests the dev worker answers. Listening on loopback is not enough: a
 * web page open in the developer's browser can send a "simple" cross-site POST
 * (text/plain needs no CORS preflight) to enqueue messages or purge the DLQ, and
 * DNS rebinding lets a page's own host name resolve to 127.0.0.1. So a request
 * must be addressed to a name of this machine that the user chose (its Host
 * header: loopback, or the --host it was exposed on), and a request carrying an
 * Origin (browsers send one) must come from a loopback origin. curl, the CLI,
 * `stripe listen` and server-side clients such as @letsgo/queue send no Origin.
 */
import os from "node:os";

export interface RequestSource {
  host?: string;
  origin?: string;
}

/** Refuses with the reason, or returns undefined to serve the request. */
export type RequestGuard = (source: RequestSource) => string | undefined;

const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** Loopback names and addresses: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackName(name: string): boolean {
  const host = bare(name);
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The host names requests may be addressed to when listening on `listenHost`:
 * loopback, plus the address the user exposed it on (for 0.0.0.0 or ::, every
 * address of this machine and its host name).
 */
export function allowedHostNames(listenHost: string, machine = machineNames()): Set<string> {
  const names = new Set<string>();
  const listen = bare(listenHost);
  if (WILDCARD.has(listenHost) || WILDCARD.has(listen)) for (const name of machine) names.add(bare(name));
  else if (!isLoopbackName(listen)) names.add(listen);
  return names;
}

export function requestGuard(listenHost: string): RequestGuard {
  const exposed = allowedHostNames(listenHost);
  return (source) => {
    if (source.host !== undefined) {
      const host = hostOfHeader(source.host);
      if (host === undefined || (!isLoopbackName(host) && !exposed.has(host))) {
        return (
          `Refused: this request is addressed to "${source.host}" (Host header), and the dev worker only answers requests to ` +
          `localhost, 127.0.0.1 or [::1]${exposed.size > 0 ? ` or the address it was started on (${[...exposed].join(", ")})` : ""}, ` +
          "so that a web page cannot reach it through DNS rebinding. To reach it from another machine, start dev with --host <this machine's address>."
        );
      }
    }
    if (source.origin !== undefined) {
      const origin = hostOfOrigin(source.origin);
      if (origin === undefined || !isLoopbackName(origin)) {
        return (
          `Refused: a web page at ${source.origin} sent this request (Origin header), and the dev worker only accepts browser requests ` +
          "from loopback origins (http://localhost:..., http://127.0.0.1:...), so a site you visit cannot enqueue messages or change the DLQ. " +
          "curl, the letsgo-worker CLI, `stripe listen` and server-side clients send no Origin and are not affected."
        );
      }
    }
    return undefined;
  };
}

/** "127.0.0.1:3002" → "127.0.0.1", "[::1]:3002" → "::1", "LocalHost" → "localhost"; undefined when malformed. */
export function hostOfHeader(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(:\d{1,5})?$/.exec(value);
  return match ? bare(match[1]!) : undefined;
}

function hostOfOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? bare(url.hostname) : undefined;
  } catch {
    return undefined; // "null" (sandboxed frames, file:) and anything else that is not a URL
  }
}

function bare(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
}

function machineNames(): string[] {
  const names = [os.hostname()];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) names.push(address.address.replace(/%.*$/, ""));
  }
  return names;
}
