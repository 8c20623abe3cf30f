/**
 * The contenders of bench/peers.mjs, started the same way: start() resolves with
 * { url (raw HTTP intake, if it has one), client ({ args, env }: its own client
 * as an app runs it, bench/peers/appLoad.mjs), pids() (roots of its process
 * trees, for memory), progress() ({ handled }), stop() }.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { devCommand, devStats, makeBareProject, startDev, stopDev, unfinished } from "../support/devWorker.mjs";
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

/** How a contender's own client is started: `node ...args` with `env`, from this checkout. */
const client = (args, env = {}) => ({ args, env });

export const bullmq = {
  name: "BullMQ + redis",
  commands: [
    redisCommand(),
    `node ${rel("bullmqWorker.mjs")} --redis <port> --queue <fresh name> --concurrency 100   (no-op processor)`,
    `node ${rel("bullmqApp.mjs")} --redis <port> --queue <fresh name>   (the app: queue.add() per message, removeOnComplete)`,
  ],
  unavailable: () => (findRedis() ? bullmqMissing() : "redis-server is not installed (apt-get install -y redis-server)"),
  version: () => `bullmq ${createRequire(import.meta.url)("bullmq/package.json").version}, redis-server ${findRedis()?.version}`,
  /** With `latency`, the worker keeps the time each processor call started (IPC "latency"). */
  async start({ latency = false } = {}) {
    const redis = await startRedis();
    const queue = `bench-${process.pid}-${++queueNumber}`;
    const common = ["--redis", String(redis.port), "--queue", queue];
    const worker = await spawnReady(process.execPath, [path.join(HERE, "bullmqWorker.mjs"), ...common, ...(latency ? ["--latency"] : []), "--concurrency", "100"], { ready: /"ready":true/, ipc: true });
    return {
      client: client([path.join(HERE, "bullmqApp.mjs"), ...common]),
      pids: () => [worker.child.pid, redis.child.pid],
      async progress() {
        const { handled } = await ask(worker.child, "count");
        return { handled };
      },
      startedAt: () => ask(worker.child, "latency"),
      async stop() {
        await stopProcess(worker.child);
        await stopProcess(redis.child);
        await rm(redis.dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * `letsgo-worker dev` on `project`, with extra dev `args`: either a project made
 * once ({ dir, bin, program: how its letsgo-worker is run, as printed, fresh(),
 * setup: its commands as printed, enqueue: whether it has @letsgo/queue }), each start beginning with no state left from the
 * last, or a function making a new project for each start (removed at stop).
 */
export function devContender(name, project, { args = [], note, setup = [] } = {}) {
  const once = typeof project === "function" ? undefined : project;
  return {
    name,
    commands: [...(once?.setup ?? setup), `${devCommand(args, once?.program)}${note ? `   (${note})` : ""}`, ...(once?.enqueue ? [`LETSGO_LOCAL_QUEUE_URL=<dev url> node --import tsx ${rel("enqueueApp.mjs")} --project <project>   (the app: enqueue() of @letsgo/queue per message)`] : [])],
    unavailable: () => null,
    /** `keepState`: start on what the last run left (a project made once only). */
    async start({ env = {}, keepState = false } = {}) {
      const dir = once ? once.dir : await project();
      if (once && !keepState) await once.fresh();
      const dev = await startDev(dir, { args, env, bin: once?.bin });
      return {
        url: dev.url,
        dir,
        readyMs: dev.readyMs,
        client: once?.enqueue ? client(["--import", "tsx", path.join(HERE, "enqueueApp.mjs"), "--project", dir], { LETSGO_LOCAL_QUEUE_URL: dev.url }) : undefined,
        pids: () => [dev.child.pid],
        async progress() {
          const stats = await devStats(dev.url);
          return { handled: stats.processed, pending: unfinished(stats) };
        },
        /** Until dev's background type check of the worker (at start, after a change) has run: its compiler comes and goes. */
        async settled(timeoutMs = 60_000) {
          const deadline = performance.now() + timeoutMs;
          while ((await getJson(`${dev.url}/api/overview`)).types.state === "checking" && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        },
        async stop() {
          await stopDev(dev);
          if (!once) await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** A project with the no-op handler (support/devWorker.mjs), made once, run by `bin` (the installed scaffold's letsgo-worker). */
export async function bareProject(bin) {
  const dir = await makeBareProject();
  return {
    dir,
    bin,
    program: "npx letsgo-worker",
    enqueue: false,
    setup: ["<project>/apps/worker/src/index.ts: a no-op handler (bench/support/devWorker.mjs)"],
    fresh: () => rm(path.join(dir, "apps", "worker", ".letsgo"), { recursive: true, force: true }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
