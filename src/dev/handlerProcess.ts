/**
 * One handler process: a child running the user's code under tsx, with the
 * invocations in it. Each invocation has its own time limit; when the process
 * dies, every invocation still in it fails with the reason.
 */
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import type { FromChild, ToChild } from "./protocol.js";

export type InvokeOutcome =
  | { ok: true; response: unknown; errors: Record<string, string>; durationMs: number }
  | { ok: false; error: string; errors: Record<string, string>; durationMs: number; timedOut?: boolean };

export interface HandlerProcessOptions {
  entry: string;
  /** The project's packages/types/index.ts: where `@letsgo/types` goes when it is not installed. */
  typesIndex: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  functionTimeoutMs: number;
  /** Longest the user's module may take to load (Lambda's init phase allows 10 s). */
  initTimeoutMs: number;
  onOutput: (line: string, stream: "stdout" | "stderr") => void;
}

interface Invocation {
  message: ToChild;
  resolve: (outcome: InvokeOutcome) => void;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

type Events = {
  ready: [{ loadMs: number }];
  "load-error": [{ error: string }];
  exit: [{ reason: string; inFlight: number }];
  /** An invocation ran past the function timeout; the process is no longer usable. */
  "timed-out": [];
};

const RUNNER = new URL(import.meta.url.endsWith(".ts") ? "./child.ts" : "./child.js", import.meta.url);
const TSX = import.meta.resolve("tsx");

let nextInvocationId = 1;

export class HandlerProcess extends EventEmitter<Events> {
  private readonly child: ChildProcess;
  private readonly running = new Map<number, Invocation>();
  private waiting: Invocation[] = [];
  private state: "starting" | "ready" | "dead" = "starting";
  private retired = false;
  private wasReady = false;
  private crashReason: string | undefined;
  private initTimer: NodeJS.Timeout;
  private markExited!: () => void;
  /** Resolves when the process has ended, whether or not an "exit" event was worth emitting. */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(private readonly options: HandlerProcessOptions) {
    super();
    this.child = fork(RUNNER, [options.entry, options.typesIndex], {
      cwd: options.cwd,
      env: options.env,
      execArgv: ["--import", TSX],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.pipeLines(this.child.stdout!, "stdout");
    this.pipeLines(this.child.stderr!, "stderr");
    this.child.on("message", (message: FromChild) => this.onMessage(message));
    this.child.on("exit", (code, signal) => this.onExit(code, signal));
    this.child.on("error", (error) => {
      this.crashReason ??= `could not start the handler process: ${error.message}`;
    });
    this.initTimer = setTimeout(() => {
      if (this.state !== "starting") return;
      this.emit("load-error", { error: `${options.entry} took longer than ${options.initTimeoutMs / 1000} s to load` });
      this.kill();
    }, options.initTimeoutMs);
  }

  get isReady(): boolean {
    return this.state === "ready" && !this.retired;
  }

  /** The user's module loaded in this process at some point. */
  get everReady(): boolean {
    return this.wasReady;
  }

  get isDead(): boolean {
    return this.state === "dead";
  }

  get load(): number {
    return this.running.size + this.waiting.length;
  }

  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    return new Promise((resolve) => {
      const invocation: Invocation = { message: { ...message, id: nextInvocationId++ } as ToChild, resolve, startedAt: 0 };
      if (this.state === "dead") resolve(failure(this.crashReason ?? "handler process is not running", 0));
      else if (this.state === "ready") this.start(invocation);
      else this.waiting.push(invocation);
    });
  }

  /** Take no new work; end once the invocations in it are done. */
  retire(): void {
    this.retired = true;
    if (this.load === 0) this.kill();
  }

  kill(): void {
    if (this.state !== "dead" && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private start(invocation: Invocation): void {
    invocation.startedAt = performance.now();
    // The time limit starts when the batch reaches the handler, as Lambda's does after init.
    invocation.message.context.deadline = Date.now() + this.options.functionTimeoutMs;
    this.running.set(invocation.message.id, invocation);
    invocation.timer = setTimeout(() => this.timeOut(invocation), this.options.functionTimeoutMs);
    try {
      this.child.send(invocation.message);
    } catch (error) {
      this.finish(invocation.message.id, failure(`could not send the batch to the handler process: ${(error as Error).message}`, 0));
    }
  }

  private timeOut(invocation: Invocation): void {
    const seconds = (this.options.functionTimeoutMs / 1000).toFixed(2);
    this.finish(invocation.message.id, { ...failure(`Task timed out after ${seconds} seconds`, this.options.functionTimeoutMs), timedOut: true });
    // Hung code cannot be cancelled: stop using this process and end it when the rest is done.
    this.emit("timed-out");
    this.retire();
  }

  private finish(id: number, outcome: InvokeOutcome): void {
    const invocation = this.running.get(id);
    if (!invocation) return;
    clearTimeout(invocation.timer);
    this.running.delete(id);
    invocation.resolve(outcome);
    if (this.retired && this.load === 0) this.kill();
  }

  private onMessage(message: FromChild): void {
    switch (message.t) {
      case "ready": {
        clearTimeout(this.initTimer);
        this.state = "ready";
        this.wasReady = true;
        const waiting = this.waiting;
        this.waiting = [];
        for (const invocation of waiting) this.start(invocation);
        this.emit("ready", { loadMs: message.loadMs });
        if (this.retired && this.load === 0) this.kill();
        return;
      }
      case "load-error":
        clearTimeout(this.initTimer);
        this.crashReason = `handler failed to load: ${message.error.split("\n", 1)[0]}`;
        this.emit("load-error", { error: message.error });
        return;
      case "crash":
        this.crashReason = `handler process crashed: ${message.error}`;
        return;
      case "result":
      case "error": {
        const invocation = this.running.get(message.id);
        if (!invocation) return;
        const durationMs = performance.now() - invocation.startedAt;
        this.finish(
          message.id,
          message.t === "result"
            ? { ok: true, response: message.response, errors: message.errors, durationMs }
            : { ok: false, error: message.error, errors: message.errors, durationMs },
        );
        return;
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.initTimer);
    const wasReady = this.state === "ready";
    this.state = "dead";
    const reason =
      this.crashReason ??
      (signal === "SIGKILL" && this.retired
        ? "handler process was stopped"
        : `handler process exited (${signal ?? `code ${code}`})${code !== null ? ": did the handler call process.exit()?" : ""}`);
    const inFlight = this.load;
    for (const invocation of [...this.running.values(), ...this.waiting]) {
      clearTimeout(invocation.timer);
      invocation.resolve(failure(reason, invocation.startedAt ? performance.now() - invocation.startedAt : 0));
    }
    this.running.clear();
    this.waiting = [];
    if (wasReady || inFlight > 0 || !this.retired) this.emit("exit", { reason, inFlight });
    this.markExited();
  }

  private pipeLines(stream: NodeJS.ReadableStream, name: "stdout" | "stderr"): void {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) this.options.onOutput(line, name);
    });
    stream.on("end", () => {
      if (rest) this.options.onOutput(rest, name);
    });
  }
}

function failure(error: string, durationMs: number): Extract<InvokeOutcome, { ok: false }> {
  return { ok: false, error, errors: {}, durationMs };
}
