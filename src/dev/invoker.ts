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
 * When the user's module does not load, the invoker is unavailable until the
 * code changes (or, without a watcher, until a later retry), so messages are not
 * burnt through their receives on code that cannot run.
 */
import { EventEmitter } from "node:events";
import type { ToChild } from "./protocol.js";
import { HandlerProcess, type HandlerProcessOptions, type InvokeOutcome } from "./handlerProcess.js";

export type { InvokeOutcome } from "./handlerProcess.js";

export type InvokerOptions = Omit<HandlerProcessOptions, "initTimeoutMs"> & {
  initTimeoutMs?: number;
  /** Retry a module that failed to load after this long (ms); 0 = only on reload(). */
  loadRetryMs?: number;
  /** Stop a process idle this long (ms), keeping one warm. Default 60 s. */
  idleMs?: number;
};

type Events = {
  /** The user's code loaded (once per generation: at start and after each reload). */
  loaded: [{ loadMs: number; reloaded: boolean }];
  "load-error": [{ error: string }];
  /** A process ended that we did not stop (crash, process.exit, unhandled rejection). */
  "process-exit": [{ reason: string; inFlight: number }];
  /** Invocations may be sent again (after a load error was fixed). */
  available: [];
};

export class HandlerInvoker extends EventEmitter<Events> {
  /** Processes running the current code. */
  private current = new Set<HandlerProcess>();
  /** Every live process, old generations included. */
  private readonly all = new Set<HandlerProcess>();
  private readonly idleTimers = new Map<HandlerProcess, NodeJS.Timeout>();
  private generationLoaded = false;
  private broken = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private loadedOnce = false;

  constructor(private readonly options: InvokerOptions) {
    super();
  }

  /** False while the user's module fails to load. */
  get available(): boolean {
    return !this.broken && !this.closed;
  }

  /** How many handler processes are alive (for /health and tests). */
  get processCount(): number {
    return this.all.size;
  }

  /** Start the first process and wait until the code loaded (or failed to). */
  async start(): Promise<void> {
    const proc = this.spawn();
    await new Promise<void>((resolve) => {
      proc.once("ready", () => resolve());
      proc.once("load-error", () => resolve());
      proc.once("exit", () => resolve());
    });
  }

  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: "dev worker is stopping", errors: {}, durationMs: 0 });
    const proc = this.take();
    clearTimeout(this.idleTimers.get(proc));
    this.idleTimers.delete(proc);
    return proc.invoke(message);
  }

  /** Load the code again: one fresh process now, more on demand; running invocations finish in the old ones. */
  reload(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const old = [...this.current];
    this.current = new Set();
    this.generationLoaded = false;
    for (const proc of old) this.retire(proc);
    this.spawn();
  }

  /** Wait up to `graceMs` for running invocations, then stop every process. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const processes = [...this.all];
    for (const proc of processes) this.retire(proc);
    const ended = Promise.all(processes.map((proc) => proc.exited));
    const timer = setTimeout(() => processes.forEach((proc) => proc.kill()), graceMs);
    await ended;
    clearTimeout(timer);
  }

  /** A warm idle process, else one still loading with nothing to do, else a new one. */
  private take(): HandlerProcess {
    let loading: HandlerProcess | undefined;
    for (const proc of this.current) {
      if (proc.isIdle) return proc;
      if (!loading && proc.isFree) loading = proc;
    }
    return loading ?? this.spawn();
  }

  private retire(proc: HandlerProcess): void {
    clearTimeout(this.idleTimers.get(proc));
    this.idleTimers.delete(proc);
    this.current.delete(proc);
    proc.retire();
  }

  private spawn(): HandlerProcess {
    const proc = new HandlerProcess({ initTimeoutMs: 10_000, ...this.options });
    const generation = this.current;
    this.current.add(proc);
    this.all.add(proc);
    proc.on("ready", ({ loadMs }) => {
      if (this.current !== generation) return;
      if (proc.isIdle) this.whenIdle(proc);
      if (!this.generationLoaded) {
        this.generationLoaded = true;
        this.emit("loaded", { loadMs, reloaded: this.loadedOnce });
        this.loadedOnce = true;
      }
      if (this.broken) {
        this.broken = false;
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

  private loadFailed(generation: Set<HandlerProcess>, error: string): void {
    if (this.current !== generation || this.broken || this.closed) return;
    this.broken = true;
    this.emit("load-error", { error });
    const retryMs = this.options.loadRetryMs ?? 0;
    if (retryMs > 0) this.retryTimer = setTimeout(() => this.reload(), retryMs);
  }

  /**
   * A process is free: it takes over an invocation still waiting for another
   * process to load (a cold start need not delay the batch that caused it), or
   * it waits, and is stopped if it stays idle.
   */
  private whenIdle(proc: HandlerProcess): void {
    for (const other of this.current) {
      const waiting = other === proc ? undefined : other.takeBackWaiting();
      if (waiting) return proc.adopt(waiting);
    }
    this.armIdleTimer(proc);
  }

  /** Stop a process that stays idle, unless it is the last warm one. */
  private armIdleTimer(proc: HandlerProcess): void {
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
