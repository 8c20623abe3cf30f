/**
 * A minimal HTTP/1.1 keep-alive client for load: one request at a time per
 * connection (no pipelining), far lighter than node:http's client, so on 2 cores
 * the load generator does not starve the server it measures.
 */
import net from "node:net";

export class Connection {
  constructor(url) {
    const { hostname, port } = new URL(url);
    this.host = `${hostname}:${port}`;
    this.socket = net.connect(Number(port), hostname);
    this.socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.pending = null;
    this.socket.on("data", (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    this.socket.on("error", (error) => this.pending?.reject(error));
  }

  request(method, path, body = "") {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  parse() {
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = this.buffer.toString("latin1", 0, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString("utf8", end + 4, end + 4 + length);
    this.buffer = this.buffer.subarray(end + 4 + length);
    const pending = this.pending;
    this.pending = null;
    pending.resolve({ status, body });
  }

  close() {
    this.socket.destroy();
  }
}

/** Keep-alive connections per URL, reused across calls; close() ends them all. */
export class ConnectionPool {
  constructor() {
    this.pools = new Map();
  }

  async request(url, method, path, body) {
    let pool = this.pools.get(url);
    if (!pool) this.pools.set(url, (pool = { idle: [], all: [] }));
    let conn = pool.idle.pop();
    if (!conn) pool.all.push((conn = new Connection(url)));
    const reply = await conn.request(method, path, body);
    pool.idle.push(conn);
    return reply;
  }

  /** POST a body; resolves with the reply's messageIds, throws unless 201. */
  async post(url, body, query = "") {
    const reply = await this.request(url, "POST", `/${query}`, body);
    if (reply.status !== 201) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
    return JSON.parse(reply.body).messageIds;
  }

  close() {
    for (const pool of this.pools.values()) for (const conn of pool.all) conn.close();
    this.pools.clear();
  }
}

/** `connections` closed loops POSTing `body()` for `seconds`; the counts of 201 replies and of other outcomes. */
export async function closedLoopLoad(url, { body, seconds, connections = 64 }) {
  const conns = Array.from({ length: connections }, () => new Connection(url));
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < deadline) {
        const reply = await conn.request("POST", "/", body()).catch(() => ({ status: 0 }));
        if (reply.status === 201) ok++;
        else errors++;
      }
    }),
  );
  const durationMs = performance.now() - started;
  for (const conn of conns) conn.close();
  return { requests: ok, errors, durationMs };
}

/**
 * POST `count` requests at `rate` per second (open loop: on schedule, whatever
 * the replies do); `onReply(index, reply, repliedAt)` sees each reply, with
 * repliedAt = monotonicMs() when it arrived.
 */
export async function pacedLoad(url, { rate, count, body, onReply }) {
  const pool = new ConnectionPool();
  const t0 = performance.now();
  const sends = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const index = i;
    sends.push(
      pool.request(url, "POST", "/", body(index)).then((reply) => {
        if (reply.status !== 201) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
        onReply(index, reply, monotonicMs());
      }),
    );
  }
  await Promise.all(sends);
  pool.close();
}

/** Milliseconds on the system's monotonic clock: comparable between processes on this machine. */
export function monotonicMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}
