/**
 * A real AWS API emulator for tests: moto's server on a free loopback port, with
 * a small HTTP proxy in front of it. Tests point the SDK (and the CLI) at the
 * proxy through AWS_ENDPOINT_URL; the proxy can go down and come back on the
 * same port, or drop chosen requests, to show how a deploy behaves when AWS
 * fails midway, while moto behind it keeps its state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { type AddressInfo, type Socket } from "node:net";
import { freePort } from "./ports.js";

export interface Moto {
  /** The proxy's address: what AWS_ENDPOINT_URL points at. */
  endpoint: string;
  /** Environment for the SDK and the CLI: endpoint, dummy credentials, region. */
  env: Record<string, string>;
  /** Forget every resource (and re-apply the config moto loses on reset). */
  reset(): Promise<void>;
  /** Stop answering: new connections are refused, open ones are cut. */
  down(): Promise<void>;
  /** Answer again, on the same port. */
  up(): Promise<void>;
  /** Cut the connection of every request this predicate matches (until cleared with undefined). */
  failWhen(predicate: ((request: ProxiedRequest) => boolean) | undefined): void;
  stop(): Promise<void>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** `X-Amz-Target` (JSON protocols) or the form's `Action` (query protocols), when present. */
  operation?: string;
}

export const TEST_REGION = "us-east-1";


async function waitForMoto(child: ChildProcess, base: string): Promise<void> {
  let exited = false;
  child.once("exit", () => (exited = true));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited) throw new Error("moto exited before it was ready (is moto installed for python3?)");
    try {
      const response = await fetch(`${base}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("moto did not answer within 10 s");
}

async function configureMoto(base: string): Promise<void> {
  // Without this, SendMessage to a queue with an event source mapping fails (moto would start Docker).
  const response = await fetch(`${base}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ lambda: { use_docker: false } }),
  });
  if (!response.ok) throw new Error(`moto config failed: HTTP ${response.status}`);
}

export async function startMoto(): Promise<Moto> {
  const motoPort = await freePort();
  const base = `http://127.0.0.1:${motoPort}`;
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(motoPort)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  try {
    await waitForMoto(child, base);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  await configureMoto(base);

  let failPredicate: ((request: ProxiedRequest) => boolean) | undefined;
  const sockets = new Set<Socket>();
  const proxy = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = req.headers["x-amz-target"];
    const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("latin1"))?.[1];
    const request: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", operation: (Array.isArray(target) ? target[0] : target) ?? action };
    if (failPredicate?.(request)) {
      req.socket.destroy();
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: motoPort, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on("error", () => req.socket.destroy());
    upstream.end(body);
  });
  proxy.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  const port = (proxy.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;

  const down = async () => {
    const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: TEST_REGION,
      // Keep the user's own AWS config out of the tests.
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
    async reset() {
      const response = await fetch(`${base}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
      await configureMoto(base);
    },
    down,
    async up() {
      proxy.listen(port, "127.0.0.1");
      await once(proxy, "listening");
    },
    failWhen(predicate) {
      failPredicate = predicate;
    },
    async stop() {
      if (proxy.listening) await down();
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    },
  };
}

/** Put the emulator's environment into this process (the SDK reads it when clients are made). */
export function useMotoEnv(moto: Moto): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(moto.env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
