/**
 * The contenders of bench/peers.mjs, started the same way: start() resolves with
 * { url, pids() (roots of its process trees, for memory), progress() ({ handled,
 * pending }: messages handled, and accepted but not handled yet), stop() }.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { devCommand, devStats, makeBareProject, makeScaffoldProject, SCAFFOLD_COMMANDS, startDev, stopDev, unfinished } from "../support/devWorker.mjs";
import { spawnReady, stopProcess } from "../support/processes.mjs";
import { findRedis, redisCommand, startRedis } from "./redisServer.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const rel = (file) => path.relative(path.resolve(HERE, "..", ".."), path.join(HERE, file));

async function getJson(url) {
  const res = await fetch(url);
  return res.json();
}

/** Ask a forked process something over IPC; it answers with one message. */
function ask(child, question) {
  const answer = once(child, "message").then(([message]) => message);
  child.send(question);
  return answer;
}

export const limitProxy = {
  name: "limit proxy",
  commands: [`node ${rel("limitProxy.mjs")} --file <temp>/messages.log --port 0   (forks ${rel("limitProxyChild.mjs")})`],
  unavailable: () => null,
  async start() {
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-proxy-"));
    const { child, match } = await spawnReady(process.execPath, [path.join(HERE, "limitProxy.mjs"), "--file", path.join(dir, "messages.log"), "--port", "0"], { ready: /"url":"([^"]+)"/ });
    const url = match[1];
    return {
      url,
      pids: () => [child.pid],
      async progress() {
        const { accepted, handled } = await getJson(`${url}/stats`);
        return { handled, pending: accepted - handled };
      },
      async stop() {
        await stopProcess(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

function bullmqMissing() {
  const require = createRequire(import.meta.url);
  for (const name of ["bullmq", "ioredis"]) {
    try {
      require.resolve(name);
    } catch {
      return `the npm package ${name} is not installed (npm install)`;
    }
  }
  return null;
}

let queueNumber = 0;

export const bullmq = {
  name: "BullMQ + redis",
  commands: [
    redisCommand(),
    `node ${rel("bullmqFront.mjs")} --redis <port> --queue <fresh name> --port 0   (queue.add per message, removeOnComplete)`,
    `node ${rel("bullmqWorker.mjs")} --redis <port> --queue <fresh name> --concurrency 100   (no-op processor)`,
  ],
  unavailable: () => (findRedis() ? bullmqMissing() : "redis-server is not installed (apt-get install -y redis-server)"),
  version: () => `bullmq ${createRequire(import.meta.url)("bullmq/package.json").version}, redis-server ${findRedis()?.version}`,
  /** With `latency`, the front and worker keep per-job times (GET /latency, IPC "latency"). */
  async start({ latency = false } = {}) {
    const redis = await startRedis();
    const queue = `bench-${process.pid}-${++queueNumber}`;
    const common = ["--redis", String(redis.port), "--queue", queue, ...(latency ? ["--latency"] : [])];
    const worker = await spawnReady(process.execPath, [path.join(HERE, "bullmqWorker.mjs"), ...common, "--concurrency", "100"], { ready: /"ready":true/, ipc: true });
    const front = await spawnReady(process.execPath, [path.join(HERE, "bullmqFront.mjs"), ...common, "--port", "0"], { ready: /"url":"([^"]+)"/ });
    const url = front.match[1];
    return {
      url,
      pids: () => [front.child.pid, worker.child.pid, redis.child.pid],
      async progress() {
        const [{ accepted }, { handled }] = await Promise.all([getJson(`${url}/stats`), ask(worker.child, "count")]);
        return { handled, pending: accepted - handled };
      },
      addedAt: () => getJson(`${url}/latency`),
      startedAt: () => ask(worker.child, "latency"),
      async stop() {
        await stopProcess(front.child);
        await stopProcess(worker.child);
        await stopProcess(redis.child);
        await rm(redis.dir, { recursive: true, force: true });
      },
    };
  },
};

/** `letsgo-worker dev` on a project `make()` writes, with extra dev `args`. */
export function devContender(name, make, { args = [], note, setup = [] } = {}) {
  return {
    name,
    commands: [...setup, `${devCommand(args)}${note ? `   (${note})` : ""}`],
    unavailable: () => null,
    async start({ env = {} } = {}) {
      const dir = await make();
      const dev = await startDev(dir, { args, env });
      return {
        url: dev.url,
        dir,
        readyMs: dev.readyMs,
        pids: () => [dev.child.pid],
        async progress() {
          const stats = await devStats(dev.url);
          return { handled: stats.processed, pending: unfinished(stats) };
        },
        async stop() {
          await stopDev(dev);
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export const devBare = devContender("dev, bare handler", () => makeBareProject(), { note: "no-op handler, default settings" });
export const devScaffold = devContender("dev, scaffold", () => makeScaffoldProject(), { setup: SCAFFOLD_COMMANDS, note: "the scaffold as written: runtime routing, console.log per message" });
export const devWindow0 = devContender("dev, bare handler, window 0", () => makeBareProject(), { args: ["--batching-window", "0"], note: "no-op handler, batching window 0" });
