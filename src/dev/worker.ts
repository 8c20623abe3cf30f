/**
 * `letsgo-worker dev`: the queue (in this process, on disk), the event source
 * mapping, the handler process running the user's Lambda entry under tsx, the
 * HTTP API and the source watcher, wired together with one lifecycle.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { EventEmitter } from "node:events";
import { ProjectError, ServiceError } from "../errors.js";
import type { EventOrigin } from "../events/origin.js";
import { workerPaths } from "../project/paths.js";
import { loadSettings, type SettingKey, type Settings } from "../project/settings.js";
import { HandlerInvoker } from "./invoker.js";
import { Journal, type ReplayResult } from "./journal.js";
import { lockStateDir, type StateLock } from "./lock.js";
import { EventSourceMapping, LAMBDA_PAYLOAD_LIMIT, type MessageOutcome } from "./poller.js";
import { MessageQueue, type QueueMessage, type QueueStats } from "./queue.js";
import { buildRouter } from "./routes.js";
import { watchSources } from "./watch.js";

export interface DevWorkerOptions {
  projectDir: string;
  /** Default: the port of LETSGO_LOCAL_QUEUE_URL (3002). 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1: never every interface unless asked. */
  host?: string;
  /** Reload the handler when apps/worker/src or packages/types change. Default true. */
  watch?: boolean;
  /** Settings from flags; they win over apps/worker/.env. */
  overrides?: Partial<Record<SettingKey, string | number | undefined>>;
  /** Journal compaction thresholds (tests make them small). */
  compactMinRecords?: number;
}

export type DevWorkerEvents = {
  ready: [{ url: string }];
  "message:handled": [MessageOutcome];
  "message:failed": [MessageOutcome & { error: string; dead: boolean }];
  /** Moved to the DLQ: after a failed last attempt, or on receive after an attempt that never reported. */
  "message:dead": [{ id: string; type: string; attempts: number; error: string }];
  "handler:loaded": [{ loadMs: number; reloaded: boolean }];
  "handler:load-error": [{ error: string }];
  "handler:exit": [{ reason: string; inFlight: number }];
  "handler:output": [{ line: string; stream: "stdout" | "stderr" }];
  reload: [{ files: string[] }];
};

export interface DevWorker extends EventEmitter<DevWorkerEvents> {
  readonly url: string;
  readonly port: number;
  readonly settings: Settings;
  readonly entry: string;
  /** What the journal held at start. */
  readonly replay: ReplayResult & { messages: number };
  /** How loading the user's code went, latest first. */
  readonly handler: { loaded: boolean; loadMs?: number; error?: string };
  stats(): QueueStats;
  close(): Promise<void>;
}

export async function startDevWorker(options: DevWorkerOptions): Promise<DevWorker> {
  const paths = workerPaths(options.projectDir);
  if (!existsSync(paths.entry)) {
    throw new ProjectError(`${paths.entry} not found: \`dev\` runs the worker's Lambda entry. Run \`letsgo-worker init\` first, or pass --cwd.`);
  }
  const { settings, extra } = await loadSettings(options.projectDir, options.overrides);
  await mkdir(paths.stateDir, { recursive: true });
  await writeFile(path.join(paths.stateDir, ".gitignore"), "*\n");
  const lock = await lockStateDir(path.join(paths.stateDir, "dev.lock"));
  const releases: Array<() => Promise<void> | void> = [() => lock.release()];
  const release = async () => {
    for (const fn of releases.reverse()) await fn();
  };
  try {
    return await assemble(options, settings, extra, paths, lock, releases);
  } catch (error) {
    await release();
    throw error;
  }
}

async function assemble(
  options: DevWorkerOptions,
  settings: Settings,
  extra: Record<string, string>,
  paths: ReturnType<typeof workerPaths>,
  lock: StateLock,
  releases: Array<() => Promise<void> | void>,
): Promise<DevWorker> {
  const emitter = new EventEmitter<DevWorkerEvents>();
  let journal: Journal | undefined;
  const queue = new MessageQueue(
    { visibilityTimeoutMs: settings.LETSGO_WORKER_VISIBILITY_TIMEOUT * 1000, maxReceiveCount: settings.LETSGO_WORKER_MAX_RECEIVE_COUNT },
    (record) => journal?.write(record),
  );
  const opened = await Journal.open(
    { file: path.join(paths.stateDir, "queue.journal"), ...(options.compactMinRecords ? { compactMinRecords: options.compactMinRecords } : {}) },
    (record) => queue.apply(record),
  );
  journal = opened.journal;
  journal.setSnapshotSource(() => queue.snapshot(), () => queue.size);
  releases.push(() => journal!.close());
  const replay = { ...opened.replay, messages: queue.size };

  let poller: EventSourceMapping | undefined;
  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, buildRouter({
    maxMessageSize: settings.LETSGO_WORKER_MAX_MESSAGE_SIZE,
    async enqueue(messages, delaySeconds) {
      const records = queue.prepareEnqueue(messages, Date.now(), delaySeconds * 1000, randomUUID);
      await journal!.append(records);
      for (const record of records) queue.apply(record);
      poller?.wake();
      return records.map((record) => (record as { id: string }).id);
    },
    stats: () => queue.stats(Date.now()),
    listDead: () => queue.listDead(),
    redrive(ids) {
      const moved = queue.redrive(Date.now(), ids);
      if (moved > 0) poller?.wake();
      return moved;
    },
    purge: () => queue.purge(),
    health: () => ({ ok: true, handler: invoker.available ? "ready" : "failed to load", pid: process.pid }),
  }).listener);
  const port = await listen(server, options.port ?? portOf(settings.LETSGO_LOCAL_QUEUE_URL), options.host ?? "127.0.0.1");
  releases.push(() => closeServer(server));
  const url = `http://${urlHost(options.host ?? "127.0.0.1")}:${port}`;

  const origin: EventOrigin = { deployment: settings.LETSGO_DEPLOYMENT, region: settings.LETSGO_WORKER_REGION };
  const invoker = new HandlerInvoker({
    entry: paths.entry,
    cwd: paths.worker,
    env: handlerEnv(settings, extra, url),
    functionTimeoutMs: settings.LETSGO_WORKER_FUNCTION_TIMEOUT * 1000,
    loadRetryMs: options.watch === false ? 5_000 : 0,
    onOutput: (line, stream) => emitter.emit("handler:output", { line, stream }),
  });
  const handler: DevWorker["handler"] = { loaded: false };
  invoker.on("loaded", (info) => {
    Object.assign(handler, { loaded: true, loadMs: info.loadMs, error: undefined });
    emitter.emit("handler:loaded", info);
  });
  invoker.on("load-error", (info) => {
    Object.assign(handler, { loaded: false, error: info.error });
    emitter.emit("handler:load-error", info);
  });
  invoker.on("process-exit", (info) => emitter.emit("handler:exit", info));
  releases.push(() => invoker.close(Math.min(3_000, settings.LETSGO_WORKER_FUNCTION_TIMEOUT * 1000)));

  poller = new EventSourceMapping(queue, invoker, {
    batchSize: settings.LETSGO_WORKER_BATCH_SIZE,
    batchingWindowMs: settings.LETSGO_WORKER_BATCHING_WINDOW * 1000,
    concurrency: settings.LETSGO_WORKER_CONCURRENCY,
    maxBatchBytes: LAMBDA_PAYLOAD_LIMIT,
    origin,
    memoryMb: settings.LETSGO_WORKER_MEMORY,
  });
  poller.on("handled", (outcome) => emitter.emit("message:handled", outcome));
  poller.on("failed", (outcome) => {
    emitter.emit("message:failed", outcome);
    if (outcome.dead) emitter.emit("message:dead", { id: outcome.id, type: outcome.type, attempts: outcome.attempt, error: outcome.error });
  });
  poller.on("dead", ({ message, attempts }) => emitter.emit("message:dead", deadInfo(message, attempts)));
  releases.push(() => poller!.stop());

  await invoker.start();
  poller.start();
  const watcher =
    options.watch === false
      ? undefined
      : watchSources([paths.src, paths.typesDir], (files) => {
          emitter.emit("reload", { files });
          invoker.reload();
        });
  releases.push(() => watcher?.close());

  // Stop intake and new batches, let running batches settle (their results reach
  // the journal), then flush and close the journal.
  const shutdown = async () => {
    watcher?.close();
    poller!.stop();
    await closeServer(server);
    await invoker.close(Math.min(3_000, settings.LETSGO_WORKER_FUNCTION_TIMEOUT * 1000));
    await poller!.drained();
    await journal!.close();
    await lock.release();
  };
  let closing: Promise<void> | undefined;
  const worker = Object.assign(emitter, {
    url,
    port,
    settings,
    entry: paths.entry,
    replay,
    handler,
    stats: () => queue.stats(Date.now()),
    close: () => (closing ??= shutdown()),
  });
  setImmediate(() => emitter.emit("ready", { url }));
  return worker;
}

function deadInfo(message: QueueMessage, attempts: number) {
  return { id: message.id, type: message.type, attempts, error: message.lastError ?? "no result" };
}

/** What the handler process sees: the user's .env, as Lambda's environment would hold it, plus Lambda's own variables. */
function handlerEnv(settings: Settings, extra: Record<string, string>, url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(settings)) env[key] = String(value);
  Object.assign(env, extra);
  env.LETSGO_LOCAL_QUEUE_URL = url;
  env.AWS_REGION = settings.LETSGO_WORKER_REGION;
  env.AWS_LAMBDA_FUNCTION_NAME = `letsgo-${settings.LETSGO_DEPLOYMENT}-worker`;
  env.AWS_LAMBDA_FUNCTION_VERSION = "$LATEST";
  env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = String(settings.LETSGO_WORKER_MEMORY);
  env.LETSGO_WORKER_LOCAL = "1";
  return env;
}

function portOf(queueUrl: string): number {
  try {
    const parsed = new URL(queueUrl);
    return parsed.port ? Number(parsed.port) : 3002;
  } catch {
    return 3002;
  }
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
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
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}
