/**
 * A pool process (what HandlerInvoker runs invocations in) that is a container
 * of the worker's image (../runtimeApi/containerEnvironment.ts) instead of a
 * forked Node process: the same life cycle — loading, idle, one invocation at
 * a time, retired, dead — and the same outcomes, so the event source mapping,
 * retries and the DLQ treat both alike. What the runtime reports comes back in
 * Lambda's own terms: a result, an error (its type and message, the stack as
 * `trace`), a timeout, the memory limit's kill, an init error.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type Docker from "dockerode";
import { newLogStream, newTraceHeader } from "../../events/lambdaContext.js";
import { workerFunctionArn } from "../../events/origin.js";
import { ContainerEnvironment, type EnvironmentOutcome } from "../runtimeApi/containerEnvironment.js";
import type { HandlerProcessEvents, HandlerProcessOptions, InvokeOutcome, Invocation } from "./handlerProcess.js";
import type { PoolProcess } from "./invoker.js";
import { OutcomeLog } from "../../runtime/outcomes.js";
import { buildEvent } from "./invokeEvent.js";
import type { ToChild } from "./protocol.js";

/** `entry` is the image to run: the generation's build (an image reference, in place of a bundle). */
export interface ContainerProcessOptions extends HandlerProcessOptions {
  docker: Docker;
  ephemeralStorageMb: number;
}

/** A line of Lambda's Node runtime: `<ISO time>\t<request id>\t<LEVEL>\t<message>`. */
const RUNTIME_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\t(\S+)\t[A-Z]+\t/;

let nextInvocationId = 1;

export class ContainerProcess extends EventEmitter<HandlerProcessEvents> implements PoolProcess {
  private state: "starting" | "ready" | "dead" = "starting";
  private environment: ContainerEnvironment | undefined;
  private current: Invocation | null = null;
  private retired = false;
  private wasReady = false;
  /** An invocation is with the environment: its own outcome (a timeout, the container's end) settles it. */
  private running = false;
  /** Failed records' errors, by message id, from the runtime's own "message failed" lines: the only channel out of the container that has them, as Lambda's logs are. */
  private readonly recordErrors = new Map<string, { error: string; stack?: string }>();
  private noteError: () => void = () => {};
  private markExited!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(private readonly options: ContainerProcessOptions) {
    super();
    const started = performance.now();
    void ContainerEnvironment.start({
      docker: options.docker,
      image: options.entry,
      // One log stream per execution environment, as Lambda names it (AWS's runtime refuses to start without it).
      env: { ...Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined)), AWS_LAMBDA_LOG_STREAM_NAME: newLogStream() },
      memoryMb: options.memoryMb,
      ephemeralStorageMb: options.ephemeralStorageMb,
      initTimeoutMs: options.initTimeoutMs,
      onOutput: (stream, line) => {
        options.onOutput(line, stream, RUNTIME_LINE.exec(line)?.[1]);
        this.noteFailureLine(line);
      },
    }).then(
      (environment) => this.onStarted(environment, performance.now() - started),
      // Not started, timed out loading, or ended before its runtime asked for work: the code does not load, as a process's would not.
      (error: Error) => {
        this.emit("load-error", { error: `the container did not start: ${error.message}` });
        this.die(`the container did not start: ${error.message}`, true);
      },
    );
  }

  get isIdle(): boolean {
    return this.state === "ready" && !this.retired && this.current === null;
  }

  get isFree(): boolean {
    return this.state !== "dead" && !this.retired && this.current === null;
  }

  get isDead(): boolean {
    return this.state === "dead";
  }

  get everReady(): boolean {
    return this.wasReady;
  }

  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    return new Promise((resolve) => {
      if (!this.isFree) return resolve(failed("the container is not available", 0));
      this.current = { message: { ...message, id: nextInvocationId++ } as ToChild, resolve, startedAt: 0 };
      if (this.state === "ready") void this.run(this.current);
    });
  }

  takeBackWaiting(): Invocation | undefined {
    if (this.state !== "starting" || this.current === null) return undefined;
    const invocation = this.current;
    this.current = null;
    return invocation;
  }

  adopt(invocation: Invocation): void {
    this.current = invocation;
    void this.run(invocation);
  }

  retire(): void {
    this.retired = true;
    if (this.current === null) this.kill();
  }

  kill(): void {
    // Even once dead: an environment that ended by itself still holds its container and its API.
    void this.environment?.stop();
    if (this.state === "dead") return;
    if (!this.environment) this.die("stopped while starting", true);
  }

  private onStarted(environment: ContainerEnvironment, loadMs: number): void {
    this.environment = environment;
    void environment.ended.then((exit) => this.die(exit.oomKilled ? "the container was killed over its memory limit" : `the container exited (${exit.exitCode})`, this.retired));
    if (environment.initError) {
      this.emit("load-error", { error: `${environment.initError.errorType}: ${environment.initError.errorMessage}` });
      if (this.current) this.finish(this.current, failed(`${environment.initError.errorType}: ${environment.initError.errorMessage}`, 0));
      void environment.stop();
      return;
    }
    this.state = "ready";
    this.wasReady = true;
    this.emit("ready", { loadMs });
    if (this.retired && !this.current) this.kill();
    else if (this.current) void this.run(this.current);
  }

  private async run(invocation: Invocation): Promise<void> {
    invocation.startedAt = performance.now();
    const { message } = invocation;
    const timeoutMs = this.options.functionTimeoutMs;
    this.running = true;
    const outcome = await this.environment!.invoke(
      {
        requestId: message.context.awsRequestId ?? randomUUID(),
        event: JSON.stringify(buildEvent(message.event, message.context)),
        functionArn: workerFunctionArn(message.context.origin),
        traceId: newTraceHeader(),
      },
      timeoutMs,
    );
    this.running = false;
    const result = toInvokeOutcome(outcome, performance.now() - invocation.startedAt, timeoutMs);
    if (result.ok) Object.assign(result, await this.errorsOf(failedIds(result.response)));
    this.finish(invocation, result);
  }

  private noteFailureLine(line: string): void {
    if (!line.startsWith("{") || !line.includes(OutcomeLog.MessageFailed)) return;
    let fields: { msg?: unknown; messageId?: unknown; error?: unknown; errorName?: unknown; stack?: unknown };
    try {
      fields = JSON.parse(line);
    } catch {
      return;
    }
    if (fields.msg !== OutcomeLog.MessageFailed || typeof fields.messageId !== "string" || typeof fields.error !== "string") return;
    const error = typeof fields.errorName === "string" && fields.errorName !== "" ? `${fields.errorName}: ${fields.error}` : fields.error;
    this.recordErrors.set(fields.messageId, typeof fields.stack === "string" ? { error, stack: fields.stack } : { error });
    this.noteError();
  }

  /**
   * The errors of `ids` as the runtime logged them. The lines come through the
   * engine's output stream and may trail the runtime's answer: wait for them,
   * at most LOG_LINE_WAIT_MS (a handler with its own logger writes none).
   */
  private async errorsOf(ids: string[]): Promise<{ errors: Record<string, string>; stacks: Record<string, string> }> {
    const deadline = performance.now() + LOG_LINE_WAIT_MS;
    while (!ids.every((id) => this.recordErrors.has(id)) && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - performance.now());
        this.noteError = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.noteError = () => {};
    const errors: Record<string, string> = {};
    const stacks: Record<string, string> = {};
    for (const id of ids) {
      const found = this.recordErrors.get(id);
      if (found) errors[id] = found.error;
      if (found?.stack) stacks[id] = found.stack;
    }
    this.recordErrors.clear();
    return { errors, stacks };
  }

  private finish(invocation: Invocation, outcome: InvokeOutcome): void {
    if (this.current !== invocation) return;
    this.current = null;
    invocation.resolve(outcome);
    if (!outcome.ok && (outcome.timedOut || !this.environment?.usable)) this.retired = true;
    if (this.retired) this.kill();
    else if (this.state === "ready") this.emit("idle");
  }

  private die(reason: string, expected: boolean): void {
    if (this.state === "dead") return;
    this.state = "dead";
    // A container that ended (a crash, the memory limit) is removed and its Runtime API closed, as one we stop.
    void this.environment?.stop();
    const inFlight = this.current ? 1 : 0;
    if (this.current && !this.running) this.finish(this.current, failed(reason, performance.now() - this.current.startedAt));
    this.emit("exit", { reason, inFlight, expected });
    this.markExited();
  }
}

/** How long a failed record's log line may trail the runtime's answer. */
const LOG_LINE_WAIT_MS = 200;

/** The message ids a response lists in batchItemFailures. */
function failedIds(response: unknown): string[] {
  const entries = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(entries)) return [];
  return entries.map((entry) => (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier).filter((id): id is string => typeof id === "string" && id !== "");
}

function failed(error: string, durationMs: number, extra: { stack?: string; timedOut?: boolean } = {}): InvokeOutcome {
  return { ok: false, error, errors: {}, durationMs, ...extra };
}

/** What the runtime reported, in the pool's terms. */
function toInvokeOutcome(outcome: EnvironmentOutcome, durationMs: number, timeoutMs: number): InvokeOutcome {
  switch (outcome.kind) {
    case "response": {
      let response: unknown;
      try {
        response = outcome.body === "" ? null : JSON.parse(outcome.body);
      } catch {
        return failed(`the handler's response is not JSON: ${outcome.body.slice(0, 200)}`, durationMs);
      }
      return { ok: true, response, errors: {}, durationMs };
    }
    case "error":
      return failed(`${outcome.error.errorType}: ${outcome.error.errorMessage}`, durationMs, outcome.error.trace ? { stack: outcome.error.trace.join("\n") } : {});
    case "init-error":
      return failed(`${outcome.error.errorType}: ${outcome.error.errorMessage}`, durationMs);
    case "timeout":
      return failed(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, timeoutMs, { timedOut: true });
    case "exited":
      return failed(outcome.reason, durationMs);
  }
}
