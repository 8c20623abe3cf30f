/**
 * Runs invocations in the user's code on a pool of handler processes, as Lambda
 * runs concurrent invocations in separate execution environments: each process
 * takes one invocation at a time, so a crash, process.exit or timeout fails only
 * the invocation in it. A warm idle process is used first, then one still
 * loading; otherwise a new one starts (a cold start). An invocation waiting for a
 * process to load moves to a warm one that frees up first (Lambda would wait;
 * locally it only cuts latency: every process still runs one at a time). The event source mapping
 * caps how many batches run at once (LETSGO_WORKER_CONCURRENCY), so the pool
 * holds about that many processes, plus any scheduled run. Processes idle for a
 * while are stopped, keeping one warm. A reload starts a new generation: new
 * invocations go to processes running the new code, and the old ones finish
 * what they are running first.
 *
 * Each generation's code is built first (`build`: the worker's bundle, as the
 * image's, ./bundler.ts), once, and its processes all run that one file.
 *
 * The event source mapping receives a batch only when a warm process can run
 * it at once (`idleCount`), asking for more processes with `prewarm()` while it
 * waits: a local cold start never eats into the messages' visibility timeout,
 * so it cannot cause a redelivery AWS would not make.
 *
 * When the user's code does not build or load, the invoker is unavailable until
 * the code changes (or, without a watcher, until a later retry), so messages are
 * not burnt through their receives on code that cannot run.
 */
import { EventEmitter } from "node:events";
import type { ToChild } from "./protocol.js";
import { HandlerProcess, type HandlerProcessEvents, type HandlerProcessOptions, type InvokeOutcome, type Invocation } from "./handlerProcess.js";

export type { InvokeOutcome } from "./handlerProcess.js";

/** What the pool uses of one handler process (a HandlerProcess; a fake in tests). */
export interface PoolProcess extends EventEmitter<HandlerProcessEvents> {
  readonly pid?: number;
  readonly isIdle: boolean;
  readonly isFree: boolean;
  readonly isDead: boolean;
  readonly everReady: boolean;
  readonly exited: Promise<void>;
  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome>;
  takeBackWaiting(): Invocation | undefined;
  adopt(invocation: Invocation): void;
  retire(): void;
  kill(): void;
}

/** A generation's code, built: the module its processes import, and the project files it was made from (what dev watches). */
export type GenerationBuild = { ok: true; file: string; files: string[] } | { ok: false; error: string; files: string[] };

export type InvokerOptions = Omit<HandlerProcessOptions, "initTimeoutMs"> & {
  /**
   * Build the code before a generation's processes start (dev: the worker's
   * bundle). Without it, processes import `entry` as it is.
   */
  build?: () => Promise<GenerationBuild>;
  /** How a process is made (tests pass a fake). Default: a HandlerProcess running the built code. */
  createProcess?: (options: HandlerProcessOptions) => PoolProcess;
  initTimeoutMs?: number;
  /** First wait before loading a module that failed to load again (ms); it doubles up to 30 s. Default 1 s; a reload() retries at once. */
  loadRetryMs?: number;
  /** Stop a process idle this long (ms), keeping one warm. Default 60 s. */
  idleMs?: number;
};

/** What the event source mapping needs from whatever runs invocations: this pool, or a fake in tests. */
export interface Invoker {
  /** False while the user's code does not load. */
  readonly available: boolean;
  /** Invocations that can start at once. */
  readonly idleCount: number;
  /** Get `wanted` processes ready; "available" is emitted as each becomes idle. */
  prewarm(wanted: number): void;
  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome>;
  on(event: "available", listener: () => void): unknown;
}

type Events = {
  /** The user's code loaded (once per generation: at start and after each reload). */
  loaded: [{ loadMs: number; reloaded: boolean }];
  /** The code does not load; another attempt follows in `retryInMs` (or at once on a saved file). */
  "load-error": [{ error: string; retryInMs: number }];
  /** A process ended that we did not stop (crash, process.exit, unhandled rejection). */
  "process-exit": [{ reason: string; inFlight: number }];
  /** Every file the current code loaded (outside node_modules), whenever that grows; after a reload, the new code's files. */
  modules: [{ files: string[] }];
  /** Invocations may be sent again (after a load error was fixed), or a process became idle. */
  available: [];
};

const MAX_LOAD_RETRY_MS = 30_000;

export class HandlerInvoker extends EventEmitter<Events> implements Invoker {
  /** Processes running the current code. */
  private current = new Set<PoolProcess>();
  /** Every live process, old generations included. */
  private readonly all = new Set<PoolProcess>();
  private readonly idleTimers = new Map<PoolProcess, NodeJS.Timeout>();
  private generationLoaded = false;
  /** The files the current generation's processes loaded. */
  private generationModules = new Set<string>();
  /** The generation whose code did not load, while that is the state of things. */
  private brokenGeneration: Set<PoolProcess> | undefined;
  private lastLoadError = "";
  /** The module processes of the current generation import (the build's output). */
  private entry: string;
  /** The current generation's build, while it runs. */
  private building: Promise<void> | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed loads in a row, for the backoff; reset when code loads or a file is saved. */
  private failedLoads = 0;
  private retryAt = 0;
  private loadedOnce = false;
  /** Resolves when every process has ended, once stopped. */
  private ended: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: InvokerOptions) {
    super();
    this.entry = options.entry;
  }

  /** False while the user's module fails to load. */
  get available(): boolean {
    return !this.broken && !this.closed;
  }

  private get broken(): boolean {
    return this.brokenGeneration !== undefined;
  }

  /** Warm processes running the current code with nothing to do: batches that can start now. */
  get idleCount(): number {
    let idle = 0;
    for (const proc of this.current) if (proc.isIdle) idle++;
    return idle;
  }

  /** Start processes until `wanted` are idle or loading with nothing to do (they emit "available" when ready). */
  prewarm(wanted: number): void {
    if (!this.available || this.building) return; // the build's first process announces itself
    let free = 0;
    for (const proc of this.current) if (proc.isFree) free++;
    for (; free < wanted; free++) this.spawn();
  }

  /** The files the current code loaded so far (outside node_modules); "modules" tells when this grows. */
  get modules(): string[] {
    return [...this.generationModules];
  }

  /** Each live process, for the dashboard: starting (its code loading), warm (idle), busy, or retiring (old code, finishing). */
  processes(): Array<{ pid?: number; state: "starting" | "warm" | "busy" | "retiring" }> {
    return [...this.all].map((proc) => ({
      ...(proc.pid === undefined ? {} : { pid: proc.pid }),
      state: !this.current.has(proc) ? "retiring" : proc.isIdle ? "warm" : proc.everReady ? "busy" : "starting",
    }));
  }

  /** How many handler processes are alive (for /health and tests). */
  get processCount(): number {
    return this.all.size;
  }

  /** Build the code, start the first process, and wait until the code loaded (or failed to). */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => {
      const settled = () => {
        this.off("loaded", settled);
        this.off("load-error", settled);
        resolve();
      };
      this.on("loaded", settled);
      this.on("load-error", settled);
      this.loadAgain();
      // Stopped before the code loaded: nothing more will be said.
      if (this.closed) settled();
      else void this.building?.then(() => this.closed && settled());
    });
  }

  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: "dev worker is stopping", errors: {}, durationMs: 0 });
    if (this.building) return this.building.then(() => this.invoke(message));
    // Code that does not load would only fail again: say why at once.
    if (this.broken) return Promise.resolve({ ok: false, error: `handler failed to load: ${this.lastLoadError.split("\n", 1)[0]}`, errors: {}, durationMs: 0 });
    const proc = this.take();
    clearTimeout(this.idleTimers.get(proc));
    this.idleTimers.delete(proc);
    return proc.invoke(message);
  }

  /** Load the code again (with `env`, when given): one fresh process now, more on demand; running invocations finish in the old ones. */
  reload(env?: NodeJS.ProcessEnv): void {
    if (env) this.options.env = env;
    this.failedLoads = 0; // a saved file: whatever failed before, start the backoff over
    this.loadAgain();
  }

  private loadAgain(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const old = [...this.current];
    const generation = new Set<PoolProcess>();
    this.current = generation;
    this.generationLoaded = false;
    const previousModules = this.generationModules;
    this.generationModules = new Set();
    for (const proc of old) this.retire(proc);
    const build = this.options.build;
    if (!build) {
      this.spawn();
      return;
    }
    const building = build().then(
      (result) => result,
      (error: unknown): GenerationBuild => ({ ok: false, error: `Could not build the worker: ${(error as Error).message}`, files: [] }),
    );
    this.building = building.then((result) => {
      if (this.current !== generation) return;
      this.building = undefined;
      if (this.closed) return;
      if (!result.ok) {
        // Still watch what the last good code loaded, and the files the errors name.
        this.addModules([...previousModules, ...result.files]);
        this.loadFailed(generation, result.error);
        return;
      }
      this.entry = result.file;
      this.addModules(result.files);
      this.spawn();
    });
  }

  /** Files of the current generation's code, for the watcher: "modules" says when the set grows. */
  private addModules(files: Iterable<string>): void {
    const known = this.generationModules.size;
    for (const file of files) this.generationModules.add(file);
    if (this.generationModules.size > known) this.emit("modules", { files: [...this.generationModules] });
  }

  /** Take no new invocations; running ones get `graceMs` to finish, then their processes are killed. */
  stop(graceMs: number): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const processes = [...this.all];
    for (const proc of processes) this.retire(proc);
    const timer = setTimeout(() => processes.forEach((proc) => proc.kill()), graceMs);
    this.ended = Promise.all(processes.map((proc) => proc.exited)).then(() => clearTimeout(timer));
  }

  /** Stop (with `graceMs`, if not stopped yet) and wait until every process has ended. */
  async close(graceMs = 0): Promise<void> {
    this.stop(graceMs);
    await this.ended;
  }

  /** A warm idle process, else one still loading with nothing to do, else a new one. */
  private take(): PoolProcess {
    let loading: PoolProcess | undefined;
    for (const proc of this.current) {
      if (proc.isIdle) return proc;
      if (!loading && proc.isFree) loading = proc;
    }
    return loading ?? this.spawn();
  }

  private retire(proc: PoolProcess): void {
    clearTimeout(this.idleTimers.get(proc));
    this.idleTimers.delete(proc);
    this.current.delete(proc);
    proc.retire();
  }

  private spawn(): PoolProcess {
    const create = this.options.createProcess ?? ((options: HandlerProcessOptions) => new HandlerProcess(options));
    const { build: _build, createProcess: _create, loadRetryMs: _retry, idleMs: _idle, ...processOptions } = this.options;
    const proc = create({ initTimeoutMs: 10_000, ...processOptions, entry: this.entry, entryName: this.options.entryName ?? this.options.entry });
    const generation = this.current;
    this.current.add(proc);
    this.all.add(proc);
    proc.on("ready", ({ loadMs }) => {
      if (this.current !== generation) return;
      if (proc.isIdle) this.whenIdle(proc);
      if (!this.generationLoaded) {
        this.generationLoaded = true;
        this.failedLoads = 0;
        this.emit("loaded", { loadMs, reloaded: this.loadedOnce });
        this.loadedOnce = true;
      }
      if (this.broken) {
        this.brokenGeneration = undefined;
        this.emit("available");
      }
    });
    proc.on("idle", () => this.whenIdle(proc));
    proc.on("load-error", ({ error }) => this.loadFailed(generation, error));
    proc.on("exit", (info) => {
      this.all.delete(proc);
      clearTimeout(this.idleTimers.get(proc));
      this.idleTimers.delete(proc);
      const wasCurrent = generation.delete(proc) && this.current === generation;
      if (!info.expected && proc.everReady) this.emit("process-exit", { reason: info.reason, inFlight: info.inFlight });
      if (!wasCurrent || this.closed) return;
      // It died while loading (e.g. process.exit at the top of a module): a load error.
      if (!proc.everReady) this.loadFailed(generation, info.reason);
      // Replace it (crash, process.exit, timeout), so the next batch finds a warm process.
      if (!this.broken) this.spawn();
    });
    return proc;
  }

  /**
   * A process failed to load. When others of its generation loaded, the code is
   * fine and this was one slow or unlucky start (under heavy load, longer than
   * the 10 s init limit): the exit handler starts another. Otherwise the
   * code does not load: invocations wait (nothing is received for them), and it
   * is tried again with backoff, at once on a saved file.
   */
  private loadFailed(generation: Set<PoolProcess>, error: string): void {
    if (this.current !== generation || this.brokenGeneration === generation || this.closed || this.generationLoaded) return;
    this.brokenGeneration = generation;
    this.lastLoadError = error;
    const base = this.options.loadRetryMs ?? 1_000;
    const retryInMs = Math.min(MAX_LOAD_RETRY_MS, base * 2 ** this.failedLoads);
    this.failedLoads++;
    this.retryAt = Date.now() + retryInMs;
    this.emit("load-error", { error, retryInMs });
    this.retryTimer = setTimeout(() => this.loadAgain(), retryInMs);
    this.retryTimer.unref();
  }

  /** When the next attempt to load failing code is due (epoch ms), if it fails now. */
  get nextLoadAttemptAt(): number | undefined {
    return this.broken ? this.retryAt : undefined;
  }

  /**
   * A process is free: it takes over an invocation still waiting for another
   * process to load (a cold start need not delay the batch that caused it), or
   * it waits, and is stopped if it stays idle.
   */
  private whenIdle(proc: PoolProcess): void {
    for (const other of this.current) {
      const waiting = other === proc ? undefined : other.takeBackWaiting();
      if (waiting) return proc.adopt(waiting);
    }
    this.armIdleTimer(proc);
    this.emit("available");
  }

  /** Stop a process that stays idle, unless it is the last warm one. */
  private armIdleTimer(proc: PoolProcess): void {
    clearTimeout(this.idleTimers.get(proc));
    const timer = setTimeout(() => {
      this.idleTimers.delete(proc);
      if (!proc.isIdle || !this.current.has(proc)) return;
      const others = [...this.current].some((other) => other !== proc && !other.isDead);
      if (others) this.retire(proc);
    }, this.options.idleMs ?? 60_000);
    timer.unref();
    this.idleTimers.set(proc, timer);
  }
}
