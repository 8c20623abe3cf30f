/**
 * Helpers for dev worker tests: a minimal project in a temp dir (settings and a
 * handler written by the test), the real CLI `dev` as a child process, and small
 * HTTP and waiting helpers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach } from "node:test";
import { once, type EventEmitter } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startDevWorker, type DevWorker, type DevWorkerEvents, type DevWorkerOptions } from "../../src/dev/worker.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = path.join(REPO, "bin", "letsgo-worker.js");

export interface TestProject {
  dir: string;
  /** Where recording handlers append one JSON line per batch. */
  log: string;
  entry: string;
  writeHandler(source: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeProject(options: { handler: string; env?: Record<string, string | number> }): Promise<TestProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-dev-"));
  const worker = path.join(dir, "apps", "worker");
  await mkdir(path.join(worker, "src"), { recursive: true });
  // No schedule unless the test sets one: the default rate(1 hour) would fire once at start (as Scheduler's does) and add a run to every log.
  const env = { LETSGO_WORKER_BATCHING_WINDOW: 0, LETSGO_WORKER_SCHEDULE: "", ...options.env };
  await writeFile(path.join(worker, ".env"), Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  await writeFile(path.join(worker, "package.json"), JSON.stringify({ name: "worker", type: "module", private: true }));
  const entry = path.join(worker, "src", "index.ts");
  const project: TestProject = {
    dir,
    log: path.join(dir, "received.jsonl"),
    entry,
    writeHandler: (source) => writeFile(entry, source.replaceAll("__LOG__", JSON.stringify(path.join(dir, "received.jsonl")))),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  await project.writeHandler(options.handler);
  return project;
}

/**
 * A handler that records every batch (records, context) to the log file and fails
 * the messages whose payload says so: `fail` (reported in batchItemFailures),
 * `throw`, `exit` (process.exit(1)), `hang` (runs past any timeout), `stall` (awaits a
 * promise nothing will settle, with nothing else to run: the runtime exits).
 */
export const RECORDING_HANDLER = `
import { appendFileSync } from "node:fs";
export async function handler(event: any, context: any) {
  appendFileSync(__LOG__, JSON.stringify({
    version: typeof VERSION === "undefined" ? 1 : VERSION,
    event,
    context: { awsRequestId: context.awsRequestId, functionName: context.functionName, remaining: context.getRemainingTimeInMillis() },
  }) + "\\n");
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    const { payload } = JSON.parse(record.body);
    if (payload?.exit) process.exit(1);
    if (payload?.throw) throw new Error("thrown on purpose\\nsecond line");
    if (payload?.hang) await new Promise((resolve) => setTimeout(resolve, 600_000));
    if (payload?.stall) await new Promise(() => {});
    if (payload?.fail) {
      // What createWorkerHandler reports for a failed record (src/runtime/outcomes.ts), for dev to show and keep.
      (globalThis as any)[Symbol.for("letsgo-worker.outcomes")]?.({ kind: "message", messageId: record.messageId, ok: false, error: new Error("failed on purpose"), durationMs: 0 });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
`;

export interface LoggedBatch {
  version: number;
  event: { Records: Array<{ messageId: string; body: string; attributes: Record<string, string>; [k: string]: unknown }> };
  context: { awsRequestId: string; functionName: string; remaining: number };
}

export async function readLog(file: string): Promise<LoggedBatch[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LoggedBatch];
      } catch {
        return []; // a line cut by a kill
      }
    });
}

export async function post(url: string, body: unknown, query = ""): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/${query}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

export async function request(url: string, method: string, pathname: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${pathname}`, { method });
  return { status: response.status, body: await response.json() };
}

/** How long a test waits for an event before failing with its name (a bounded wait, never a hang). */
export const EVENT_WAIT_MS = 90_000;
/** How long `dev` may take to say it is ready. */
export const DEV_START_WAIT_MS = 240_000;

/** Wait for an event whose payload matches; rejects after `timeoutMs`, naming the event. Listen before causing it. */
export async function waitForEvent<K extends keyof DevWorkerEvents & string>(
  emitter: EventEmitter<DevWorkerEvents>,
  event: K,
  match: (value: DevWorkerEvents[K][0]) => boolean = () => true,
  timeoutMs = EVENT_WAIT_MS,
): Promise<DevWorkerEvents[K][0]> {
  // The listener is typed per event; EventEmitter's overloads cannot pair a generic K with its listener.
  const events = emitter as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      events.off(event, listener);
      reject(new Error(`no matching "${event}" event within ${timeoutMs / 1000} s`));
    }, timeoutMs).unref(); // a wait nobody awaits must not keep the test's process alive
    const listener = (value: DevWorkerEvents[K][0]) => {
      if (!match(value)) return;
      clearTimeout(timer);
      events.off(event, listener);
      resolve(value);
    };
    events.on(event, listener);
  });
}

/** Collect events until `done` says enough. */
export async function collectEvents<T>(emitter: EventEmitter, event: string, done: (seen: T[]) => boolean): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) => {
    const listener = (value: T) => {
      seen.push(value);
      if (done(seen)) {
        emitter.off(event, listener);
        resolve(seen);
      }
    };
    emitter.on(event, listener);
  });
}

export interface DevCli {
  process: ChildProcess;
  url: string;
  /** Every JSON line printed so far. */
  lines: Array<Record<string, any>>;
  /** Resolves with the first line (seen so far or later) matching. */
  waitForLine(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start the real CLI: `letsgo-worker dev --cwd DIR --port 0 --json`, resolved once it is ready; `env` adds to the shell's. */
export async function startDevCli(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<DevCli> {
  const child = spawn(process.execPath, [BIN, "dev", "--cwd", dir, "--port", "0", "--json", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const lines: Array<Record<string, any>> = [];
  const waiters: Array<{ match: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }> = [];
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let rest = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const text of parts) {
      let line: Record<string, any>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = once(child, "exit");
  // Bounded: a line that never comes fails the test with what dev printed, never hangs it.
  const waitForLine = (match: (line: Record<string, any>) => boolean, timeoutMs = EVENT_WAIT_MS) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        const last = lines.slice(-8).map((line) => JSON.stringify(line).slice(0, 300)).join("\n");
        reject(new Error(`no matching line from dev within ${timeoutMs / 1000} s; its last lines:\n${last}\nstderr:\n${stderr.slice(-2000)}`));
      }, timeoutMs);
      timer.unref();
      const waiter = {
        match,
        resolve: (line: Record<string, any>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.push(waiter);
      void exited.then(([code]) => {
        clearTimeout(timer);
        reject(new Error(`dev exited (${code}) before the expected line.\nstderr:\n${stderr}`));
      });
    });
  };
  // A start may build an image first (dev --image): on a loaded machine that takes a while, within the file's own limit.
  const ready = await waitForLine((line) => line.event === "ready", DEV_START_WAIT_MS);
  return {
    process: child,
    url: ready.url,
    lines,
    waitForLine,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/**
 * The start/cleanup block every dev test needs, once: projects and dev workers
 * made through it are released after each test, workers first (newest first),
 * then their projects, then anything else registered.
 */
export interface DevWorkerFixture {
  /** A project with a handler written by the test (makeProject). */
  project(options: { handler: string; env?: Record<string, string | number> }): Promise<TestProject>;
  /** A dev worker on a free port, without a watcher unless asked. */
  worker(options: Omit<DevWorkerOptions, "port"> & { port?: number }): Promise<DevWorker>;
  /** Both at once. */
  start(options: { handler?: string; env?: Record<string, string | number>; worker?: Partial<DevWorkerOptions> }): Promise<{ project: TestProject; worker: DevWorker }>;
  /** Anything else to release after the test (after the workers). */
  release(fn: () => Promise<unknown> | unknown): void;
}

export function useDevWorker(): DevWorkerFixture {
  const workers: DevWorker[] = [];
  const releases: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const worker of workers.splice(0).reverse()) await worker.close();
    for (const release of releases.splice(0).reverse()) await release();
  });
  const fixture: DevWorkerFixture = {
    async project(options) {
      const project = await makeProject(options);
      releases.push(() => project.cleanup());
      return project;
    },
    async worker(options) {
      const worker = await startDevWorker({ port: 0, watch: false, ...options });
      workers.push(worker);
      return worker;
    },
    async start(options) {
      const project = await fixture.project({ handler: options.handler ?? RECORDING_HANDLER, env: options.env });
      const worker = await fixture.worker({ projectDir: project.dir, ...options.worker });
      return { project, worker };
    },
    release: (fn) => void releases.push(fn),
  };
  return fixture;
}
