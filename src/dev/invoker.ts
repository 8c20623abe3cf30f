/**
 * Runs batches in the user's code. One handler process takes every concurrent
 * batch (one IPC channel is far cheaper than a process per batch); a process that
 * times out, crashes or is reloaded is retired and a fresh one takes new work.
 * When the user's module does not load, the invoker is unavailable until the code
 * changes (or, without a watcher, until a later retry), so messages are not burnt
 * through their receives on code that cannot run.
 */
import { EventEmitter } from "node:events";
import type { ToChild } from "./protocol.js";
import { HandlerProcess, type HandlerProcessOptions, type InvokeOutcome } from "./handlerProcess.js";

export type { InvokeOutcome } from "./handlerProcess.js";

export type InvokerOptions = Omit<HandlerProcessOptions, "initTimeoutMs"> & {
  initTimeoutMs?: number;
  /** Retry a module that failed to load after this long (ms); 0 = only on reload(). */
  loadRetryMs?: number;
};

type Events = {
  /** The user's code loaded in a fresh process. */
  loaded: [{ loadMs: number; reloaded: boolean }];
  "load-error": [{ error: string }];
  /** A process ended with batches in it (crash, process.exit, kill). */
  "process-exit": [{ reason: string; inFlight: number }];
  /** Invocations may be sent again (after a load error was fixed). */
  available: [];
};

export class HandlerInvoker extends EventEmitter<Events> {
  private active: HandlerProcess | null = null;
  private readonly all = new Set<HandlerProcess>();
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
    const proc = this.active && !this.active.isDead ? this.active : this.spawn();
    return proc.invoke(message);
  }

  /** Load the code again in a fresh process; batches already running finish in the old one. */
  reload(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.spawn();
  }

  /** Wait up to `graceMs` for running batches, then stop every process. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const processes = [...this.all];
    for (const proc of processes) proc.retire();
    const ended = Promise.all(processes.map((proc) => proc.exited));
    const timer = setTimeout(() => processes.forEach((proc) => proc.kill()), graceMs);
    await ended;
    clearTimeout(timer);
  }

  private spawn(): HandlerProcess {
    const previous = this.active;
    const proc = new HandlerProcess({ initTimeoutMs: 10_000, ...this.options });
    this.active = proc;
    this.all.add(proc);
    void proc.exited.then(() => this.all.delete(proc));
    previous?.retire();
    proc.on("ready", ({ loadMs }) => {
      const reloaded = this.loadedOnce;
      this.loadedOnce = true;
      this.emit("loaded", { loadMs, reloaded });
      if (this.broken && this.active === proc) {
        this.broken = false;
        this.emit("available");
      }
    });
    proc.on("load-error", ({ error }) => {
      if (this.active !== proc) return;
      this.broken = true;
      this.emit("load-error", { error });
      const retryMs = this.options.loadRetryMs ?? 0;
      if (retryMs > 0 && !this.closed) this.retryTimer = setTimeout(() => this.reload(), retryMs);
    });
    proc.on("timed-out", () => {
      // The hung process finishes what else it has; new work goes to a fresh one.
      if (this.active === proc && !this.closed) this.spawn();
    });
    proc.on("exit", (info) => {
      if (info.inFlight > 0) this.emit("process-exit", info);
      // Keep a warm process ready for the next batch, unless the code does not load.
      if (this.active === proc) {
        this.active = null;
        if (!proc.everReady && !this.broken && !this.closed) {
          // It died while loading (e.g. process.exit at the top of a module): a load error.
          this.broken = true;
          this.emit("load-error", { error: info.reason });
          const retryMs = this.options.loadRetryMs ?? 0;
          if (retryMs > 0) this.retryTimer = setTimeout(() => this.reload(), retryMs);
        }
        if (!this.broken && !this.closed) this.spawn();
      }
    });
    return proc;
  }
}
