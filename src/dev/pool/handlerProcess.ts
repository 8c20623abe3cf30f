/**
 * One handler process: a child running the worker's bundle (./bundler.ts), as one Lambda
 * execution environment: it loads the code once, then runs one invocation at a
 * time. An invocation has the function timeout; when it runs out, or the process
 * dies, only that invocation fails, and the process is not used again.
 */
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup, killTagged, OWNER_TAG_ENV } from "./handlerDescendants.js";
import { OutputLines } from "./outputLines.js";
import { OUTPUT_TAG, OUTPUT_TAG_END, type FromChild, type ToChild } from "./protocol.js";
import { runtimeExitError } from "./runtimeExit.js";

/**
 * How an invocation ended. `errors` holds the errors the runtime reported for
 * failed records, by message id, and `stacks` their stacks; a failed invocation's
 * `stack` is the stack of what failed it (absent for a timeout, an exit, a kill).
 */
/**
 * `durationMs`: the handler's time as the process measured it (as Lambda reports
 * a duration); when the process could not say (a crash, a timeout), the time
 * since the invocation was sent. `roundTripMs`, when the process replied: from
 * the send to the reply read here, the parent's own delays included; `cpuMs`:
 * the process's CPU time while it handled the invocation.
 */
export type InvokeOutcome =
  | ({ ok: true; response: unknown; errors: Record<string, string>; stacks?: Record<string, string> } & Timing)
  | ({ ok: false; error: string; stack?: string; errors: Record<string, string>; stacks?: Record<string, string>; timedOut?: boolean } & Timing);

type Timing = { durationMs: number; roundTripMs?: number; cpuMs?: number };

export interface HandlerProcessOptions {
  /** The module the process imports for its `handler`: the worker's bundle. */
  entry: string;
  /** The user's entry as messages name it (apps/worker/src/index.ts); default `entry`. */
  entryName?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The function's memory (LETSGO_WORKER_MEMORY): V8's heap is sized from it as Lambda sizes it. */
  memoryMb: number;
  functionTimeoutMs: number;
  /** Longest the user's module may take to load (Lambda's init phase allows 10 s). */
  initTimeoutMs: number;
  /** `<project>/<dev pid>` (handlerDescendants.ts): the process and all it starts are tagged below it. */
  ownerTag?: string;
  /** A line the process printed; `requestId` is the invocation it printed it during, if any. */
  onOutput: (line: string, stream: "stdout" | "stderr", requestId?: string) => void;
}

export interface Invocation {
  message: ToChild;
  resolve: (outcome: InvokeOutcome) => void;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

export type HandlerProcessEvents = {
  ready: [{ loadMs: number }];
  "load-error": [{ error: string }];
  /** The process ended; `inFlight` is 1 when an invocation was running in it. `expected`: retired or stopped by us. */
  exit: [{ reason: string; inFlight: number; expected: boolean }];
  /** An invocation ended and the process can take the next one. */
  idle: [];
};

/**
 * The flags Lambda's Node runtime starts the function with: V8's young and old
 * generations sized from the function's memory (a tenth of it young, the rest
 * old), `gc` exposed, large HTTP headers allowed. So a handler that outgrows its
 * memory fails in dev as in AWS, and a process weighs locally what it would there.
 * Plus the bundle's source map (the image sets it too): stack traces name .ts lines.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    "--enable-source-maps",
    "--expose-gc",
    "--max-http-header-size=81920",
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** What V8 prints on stderr when the old generation is full, just before it aborts the process. */
const OUT_OF_MEMORY = /JavaScript heap out of memory/;

let runnerFile: string | undefined;

/**
 * The handler process's script: dist/dev/child.js as installed. Run from source
 * (this tool's tests), child.ts is compiled once per process into a temporary
 * file, so the process is plain Node there too: under tsx's loader the bundle's
 * source map would be lost.
 */
function runner(): string {
  if (runnerFile) return runnerFile;
  if (!import.meta.url.endsWith(".ts")) return (runnerFile = fileURLToPath(new URL("./child.js", import.meta.url)));
  const dir = mkdtempSync(path.join(tmpdir(), "letsgo-worker-child-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const outfile = path.join(dir, "child.mjs");
  esbuild.buildSync({ entryPoints: [fileURLToPath(new URL("./child.ts", import.meta.url))], bundle: true, platform: "node", format: "esm", outfile, logLevel: "silent" });
  return (runnerFile = outfile);
}

let nextInvocationId = 1;
let nextProcessNumber = 1;

export class HandlerProcess extends EventEmitter<HandlerProcessEvents> {
  private readonly child: ChildProcess;
  /** What this process and everything it starts carry in OWNER_TAG_ENV. */
  private readonly tag: string | undefined;
  private current: Invocation | null = null;
  private state: "starting" | "ready" | "dead" = "starting";
  private spawned = false;
  private retired = false;
  private wasReady = false;
  private crashReason: string | undefined;
  /** Why we stopped it, when we did (timeout, load timeout): not a crash of the user's code. */
  private stopReason: string | undefined;
  private initTimer: NodeJS.Timeout;
  private markExited!: () => void;
  /** Resolves when the process has ended, whether or not an "exit" event was worth emitting. */
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(private readonly options: HandlerProcessOptions) {
    super();
    this.tag = options.ownerTag === undefined ? undefined : `${options.ownerTag}/${nextProcessNumber++}`;
    this.child = fork(runner(), [options.entry, options.entryName ?? options.entry], {
      cwd: options.cwd,
      env: this.tag === undefined ? options.env : { ...options.env, [OWNER_TAG_ENV]: this.tag },
      execArgv: lambdaNodeFlags(options.memoryMb),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group, which ends as one: the process and every child it spawned.
      detached: true,
    });
    this.pipeLines(this.child.stdout!, "stdout");
    this.pipeLines(this.child.stderr!, "stderr");
    this.child.on("spawn", () => (this.spawned = true));
    this.child.on("message", (message: FromChild) => this.onMessage(message));
    // "close" comes after the IPC channel is drained: a result or crash report sent just before exiting is seen first.
    this.child.on("close", (code, signal) => this.onClose(code, signal));
    this.child.on("error", (error) => {
      if (!this.spawned) this.crashReason ??= `could not start the handler process: ${error.message}`;
    });
    this.initTimer = setTimeout(() => {
      if (this.state !== "starting") return;
      const error = `${options.entryName ?? options.entry} took longer than ${options.initTimeoutMs / 1000} s to load`;
      this.crashReason = `handler failed to load: ${error}`;
      this.emit("load-error", { error });
      this.kill();
    }, options.initTimeoutMs);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Loaded, alive, and running nothing. */
  get isIdle(): boolean {
    return this.state === "ready" && !this.retired && this.current === null;
  }

  /** Alive (loaded or loading), not retired, and not given an invocation yet. */
  get isFree(): boolean {
    return this.state !== "dead" && !this.retired && this.current === null;
  }

  /** The user's module loaded in this process at some point. */
  get everReady(): boolean {
    return this.wasReady;
  }

  get isDead(): boolean {
    return this.state === "dead";
  }

  /** Run one invocation; the process must be free (the pool sees to that). Starts once the code has loaded. */
  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    return new Promise((resolve) => {
      if (!this.isFree) {
        resolve(failure(this.crashReason ?? "handler process is not available", 0));
        return;
      }
      this.current = { message: { ...message, id: nextInvocationId++ } as ToChild, resolve, startedAt: 0 };
      if (this.state === "ready") this.start(this.current);
    });
  }

  /** The invocation given to this process while its code is still loading, handed back to run in a warm one. */
  takeBackWaiting(): Invocation | undefined {
    if (this.state !== "starting" || this.current === null) return undefined;
    const invocation = this.current;
    this.current = null;
    return invocation;
  }

  /** Run an invocation taken back from a process still loading; this one must be idle. */
  adopt(invocation: Invocation): void {
    this.current = invocation;
    this.start(invocation);
  }

  /** Take no new work; end once the invocation in it (if any) is done. */
  retire(): void {
    this.retired = true;
    if (this.current === null) this.stop("handler process was stopped");
  }

  kill(): void {
    if (this.state !== "dead" && this.child.exitCode === null && this.child.signalCode === null) killGroup(this.child.pid);
  }

  private stop(reason: string): void {
    this.stopReason ??= reason;
    this.kill();
  }

  private start(invocation: Invocation): void {
    invocation.startedAt = performance.now();
    // The time limit starts when the batch reaches the handler, as Lambda's does after init.
    invocation.message.context.deadline = Date.now() + this.options.functionTimeoutMs;
    invocation.timer = setTimeout(() => this.timeOut(invocation), this.options.functionTimeoutMs);
    // A failed send means the channel is closing: the process is on its way out, and "close" fails the invocation with the reason.
    this.child.send(invocation.message, (error) => {
      if (error) this.kill();
    });
  }

  private timeOut(invocation: Invocation): void {
    const seconds = (this.options.functionTimeoutMs / 1000).toFixed(2);
    this.finish(invocation, { ...failure(`Task timed out after ${seconds} seconds`, this.options.functionTimeoutMs), timedOut: true });
    // Hung code cannot be cancelled; Lambda restarts the environment after a timeout.
    this.retired = true;
    this.stop(`handler process was stopped after a timeout`);
  }

  private finish(invocation: Invocation, outcome: InvokeOutcome): void {
    if (this.current !== invocation) return;
    clearTimeout(invocation.timer);
    this.current = null;
    invocation.resolve(outcome);
    if (this.crashReason !== undefined) return; // it is exiting on its own
    if (this.retired) this.stop("handler process was stopped");
    else if (this.state === "ready") this.emit("idle");
  }

  private onMessage(message: FromChild): void {
    switch (message.t) {
      case "ready": {
        clearTimeout(this.initTimer);
        if (this.state !== "starting") return;
        this.state = "ready";
        this.wasReady = true;
        this.emit("ready", { loadMs: message.loadMs });
        if (this.current) this.start(this.current);
        else if (this.retired) this.stop("handler process was stopped");
        return;
      }
      case "load-error":
        clearTimeout(this.initTimer);
        this.crashReason = `handler failed to load: ${message.error.split("\n", 1)[0]}`;
        this.emit("load-error", { error: message.error });
        return;
      case "crash":
        // It is exiting: no more work for it, even once the invocation in it is answered.
        this.crashReason = `handler process crashed: ${message.error}`;
        this.retired = true;
        return;
      case "result":
      case "error": {
        const invocation = this.current;
        if (!invocation || invocation.message.id !== message.id) return;
        const roundTripMs = performance.now() - invocation.startedAt;
        const durationMs = message.busyMs ?? roundTripMs;
        const cpuMs = message.cpuMs;
        this.finish(
          invocation,
          message.t === "result"
            ? { ok: true, response: message.response, errors: message.errors, stacks: message.stacks ?? {}, durationMs, roundTripMs, ...(cpuMs === undefined ? {} : { cpuMs }) }
            : {
                ok: false,
                error: message.error,
                ...(message.stack === undefined ? {} : { stack: message.stack }),
                errors: message.errors,
                stacks: message.stacks ?? {},
                durationMs,
                roundTripMs,
                ...(cpuMs === undefined ? {} : { cpuMs }),
              },
        );
        return;
      }
    }
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.initTimer);
    // However it ended (process.exit, a crash, our SIGKILL), nothing it started outlives it.
    killGroup(this.child.pid);
    if (this.tag !== undefined) void killTagged(this.tag);
    this.state = "dead";
    const expected = this.stopReason !== undefined && this.crashReason === undefined;
    const invocation = this.current;
    const reason =
      this.crashReason ??
      this.stopReason ??
      (code === 0 && invocation
        ? // The child lets its event loop empty under an invocation (child.ts), as AWS's runtime client does.
          `${runtimeExitError("exit status 0")} (the handler's promise was pending with nothing left to settle it, or it called process.exit(0): Lambda ends the environment the same way)`
        : `handler process exited (${signal ?? `code ${code}`})${code !== null ? ": did the handler call process.exit()?" : ""}`);
    this.current = null;
    if (invocation) {
      clearTimeout(invocation.timer);
      invocation.resolve(failure(reason, invocation.startedAt ? performance.now() - invocation.startedAt : 0));
    }
    this.emit("exit", { reason, inFlight: invocation ? 1 : 0, expected });
    this.markExited();
  }

  private pipeLines(stream: NodeJS.ReadableStream, name: "stdout" | "stderr"): void {
    const lines = new OutputLines();
    const emit = (tagged: string) => {
      const { line, requestId } = untag(tagged);
      this.options.onOutput(line, name, requestId);
      if (name === "stderr" && OUT_OF_MEMORY.test(line)) {
        // Lambda's words for a function killed over its memory, then what it means here.
        this.crashReason ??= runtimeExitError(`signal: killed (out of memory: the handler outgrew the function's ${this.options.memoryMb} MB, LETSGO_WORKER_MEMORY)`);
      }
    };
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => lines.push(chunk).forEach(emit));
    stream.on("end", () => {
      const last = lines.end();
      if (last !== undefined) emit(last);
    });
  }
}

/** A line as printed, and the invocation it was printed during (child.ts tags them). */
function untag(tagged: string): { line: string; requestId?: string } {
  if (!tagged.startsWith(OUTPUT_TAG)) return { line: tagged };
  const end = tagged.indexOf(OUTPUT_TAG_END);
  return end === -1 ? { line: tagged } : { line: tagged.slice(end + 1), requestId: tagged.slice(1, end) };
}

function failure(error: string, durationMs: number): Extract<InvokeOutcome, { ok: false }> {
  return { ok: false, error, errors: {}, durationMs };
}
