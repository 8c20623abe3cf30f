/**
 * The handler-process pool (src/dev/invoker.ts) with fake processes and fake
 * timers: which process takes an invocation, prewarming, a cold start's
 * invocation moving to a process that frees up first, a crash replaced, a load
 * error and its fix, idle processes stopped (one kept warm), and stopping with a
 * grace period.
 */
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { lambdaNodeFlags, type HandlerProcessEvents, type HandlerProcessOptions, type InvokeOutcome, type Invocation } from "../src/dev/pool/handlerProcess.js";
import { HandlerInvoker, type PoolProcess } from "../src/dev/pool/invoker.js";
import type { ToChild } from "../src/dev/pool/protocol.js";

let made: FakeProcess[] = [];

/** A process that does what the test tells it: become ready, fail to load, finish, crash. */
class FakeProcess extends EventEmitter<HandlerProcessEvents> implements PoolProcess {
  state: "starting" | "ready" | "dead" = "starting";
  retired = false;
  killed = false;
  current: Invocation | null = null;
  ran: Array<Omit<ToChild, "id">> = [];
  private markExited!: () => void;
  readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));
  private wasReady = false;

  constructor(readonly options: HandlerProcessOptions) {
    super();
    made.push(this);
  }
  get isIdle() {
    return this.state === "ready" && !this.retired && this.current === null;
  }
  get isFree() {
    return this.state !== "dead" && !this.retired && this.current === null;
  }
  get isDead() {
    return this.state === "dead";
  }
  get everReady() {
    return this.wasReady;
  }
  invoke(message: Omit<ToChild, "id">): Promise<InvokeOutcome> {
    return new Promise((resolve) => {
      this.current = { message: { ...message, id: 1 } as ToChild, resolve, startedAt: 0 };
      if (this.state === "ready") this.ran.push(message);
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
    this.ran.push(invocation.message);
  }
  retire(): void {
    this.retired = true;
    if (this.current === null) this.end(true);
  }
  kill(): void {
    this.killed = true;
    this.end(true);
  }
  // What the test makes happen:
  ready(): void {
    this.state = "ready";
    this.wasReady = true;
    this.emit("ready", { loadMs: 5 });
    if (this.current) this.ran.push(this.current.message);
  }
  failToLoad(error = "SyntaxError: nope"): void {
    this.emit("load-error", { error });
    this.end(false);
  }
  finish(outcome: InvokeOutcome = { ok: true, response: null, errors: {}, durationMs: 1 }): void {
    const invocation = this.current!;
    this.current = null;
    invocation.resolve(outcome);
    if (this.retired) this.end(true);
    else this.emit("idle");
  }
  crash(reason = "handler process exited (code 1)"): void {
    const invocation = this.current;
    this.current = null;
    invocation?.resolve({ ok: false, error: reason, errors: {}, durationMs: 1 });
    this.end(false, reason, invocation ? 1 : 0);
  }
  private end(expected: boolean, reason = "stopped", inFlight = 0): void {
    if (this.state === "dead") return;
    this.state = "dead";
    this.emit("exit", { reason, inFlight, expected });
    this.markExited();
  }
}

const invocation: Omit<ToChild, "id"> = {
  t: "invoke",
  event: { kind: "scheduled", scheduledTime: 0, executionId: "x" },
  context: { origin: { deployment: "t", region: "us-east-1" }, memoryMb: 128, deadline: 0, awsRequestId: "r" },
};

function pool(options: { idleMs?: number; loadRetryMs?: number } = {}): HandlerInvoker {
  return new HandlerInvoker({
    entry: "index.ts",
    cwd: ".",
    env: {},
    memoryMb: 128,
    functionTimeoutMs: 1000,
    onOutput: () => {},
    createProcess: (o) => new FakeProcess(o),
    ...options,
  });
}

async function started(invoker: HandlerInvoker): Promise<FakeProcess> {
  const starting = invoker.start();
  made[0]!.ready();
  await starting;
  return made[0]!;
}

describe("Class: HandlerInvoker", () => {
  beforeEach(() => {
    made = [];
    mock.timers.enable({ apis: ["setTimeout"] });
  });
  afterEach(() => mock.timers.reset());

  it("runs an invocation in a warm idle process, and starts another process only when none is idle", async () => {
    const invoker = pool();
    const warm = await started(invoker);
    assert.equal(invoker.idleCount, 1);
    void invoker.invoke(invocation);
    assert.equal(warm.ran.length, 1);
    assert.equal(invoker.idleCount, 0);
    void invoker.invoke(invocation);
    assert.equal(made.length, 2, "a cold start for the second");
  });

  it("prewarms up to the number asked, counting processes still loading", async () => {
    const invoker = pool();
    await started(invoker);
    invoker.prewarm(3);
    assert.equal(made.length, 3);
    invoker.prewarm(3);
    assert.equal(made.length, 3, "enough are idle or loading");
    const available: string[] = [];
    invoker.on("available", () => available.push("x"));
    made[1]!.ready();
    assert.equal(invoker.idleCount, 2);
    assert.equal(available.length, 1, "a process that becomes idle says so");
  });

  it("moves an invocation waiting for a cold start to a warm process that frees up first", async () => {
    const invoker = pool();
    const warm = await started(invoker);
    void invoker.invoke(invocation);
    void invoker.invoke(invocation);
    const cold = made[1]!;
    assert.equal(cold.ran.length, 0, "waiting for its process to load");
    warm.finish();
    assert.equal(warm.ran.length, 2, "the warm process took it over");
    assert.equal(cold.current, null);
  });

  it("replaces a process that crashed, and reports the crash", async () => {
    const invoker = pool();
    const first = await started(invoker);
    const exits: Array<{ reason: string; inFlight: number }> = [];
    invoker.on("process-exit", (info) => exits.push(info));
    const outcome = invoker.invoke(invocation);
    first.crash();
    assert.deepEqual(await outcome, { ok: false, error: "handler process exited (code 1)", errors: {}, durationMs: 1 });
    assert.deepEqual(exits, [{ reason: "handler process exited (code 1)", inFlight: 1 }]);
    assert.equal(made.length, 2, "a fresh process takes its place");
  });

  it("is unavailable while the code does not load, and available again once a reload loads it", async () => {
    const invoker = pool();
    const starting = invoker.start();
    const errors: string[] = [];
    invoker.on("load-error", ({ error }) => errors.push(error));
    made[0]!.failToLoad();
    await starting;
    assert.equal(invoker.available, false);
    assert.deepEqual(errors, ["SyntaxError: nope"]);
    invoker.prewarm(2);
    assert.equal(made.length, 1, "no processes for code that cannot load");
    let available = false;
    invoker.on("available", () => (available = true));
    invoker.reload();
    made[1]!.ready();
    assert.equal(invoker.available, true);
    assert.equal(available, true);
  });

  it("tries code that does not load again with backoff (1 s, 2 s, ...), and at once when a file is saved", async () => {
    const invoker = pool();
    const starting = invoker.start();
    const errors: Array<{ error: string; retryInMs: number }> = [];
    invoker.on("load-error", (e) => errors.push(e));
    made[0]!.failToLoad();
    await starting;
    assert.deepEqual(errors.map((e) => e.retryInMs), [1_000]);
    mock.timers.tick(999);
    assert.equal(made.length, 1);
    mock.timers.tick(1);
    assert.equal(made.length, 2, "tried again after 1 s");
    made[1]!.failToLoad();
    assert.deepEqual(errors.map((e) => e.retryInMs), [1_000, 2_000]);
    invoker.reload();
    assert.equal(made.length, 3, "a saved file tries at once");
    made[2]!.failToLoad();
    assert.deepEqual(errors.map((e) => e.retryInMs), [1_000, 2_000, 1_000], "and starts the backoff over");
    made[3]?.ready();
    mock.timers.tick(1_000);
    made[3]!.ready();
    assert.equal(invoker.available, true);
  });

  it("stays available when one process of code that loads fails to start (a slow cold start under load)", async () => {
    const invoker = pool();
    await started(invoker);
    invoker.prewarm(2);
    made[1]!.failToLoad("index.ts took longer than 10 s to load");
    assert.equal(invoker.available, true);
    assert.equal(invoker.idleCount, 1);
    assert.equal(made.length, 3, "another takes its place");
  });

  it("stops processes idle for idleMs, keeping one warm", async () => {
    const invoker = pool({ idleMs: 60_000 });
    await started(invoker);
    invoker.prewarm(3);
    made[1]!.ready();
    made[2]!.ready();
    mock.timers.tick(60_000);
    assert.equal(made.filter((p) => p.isDead).length, 2);
    assert.equal(invoker.processCount, 1);
  });

  it("stops with a grace period: a running invocation may finish, a stuck one is killed after it", async () => {
    const invoker = pool();
    const first = await started(invoker);
    void invoker.invoke(invocation);
    invoker.prewarm(2);
    made[1]!.ready();
    invoker.stop(3_000);
    assert.equal(made[1]!.isDead, true, "an idle process stops at once");
    assert.equal(first.isDead, false, "a busy one gets its grace");
    const closed = invoker.close();
    mock.timers.tick(3_000);
    await closed;
    assert.equal(first.killed, true);
    assert.deepEqual(await invoker.invoke(invocation), { ok: false, error: "dev worker is stopping", errors: {}, durationMs: 0 });
  });
});

describe("Function: lambdaNodeFlags", () => {
  it("sizes V8's generations from the function's memory as Lambda's Node runtime does", () => {
    assert.deepEqual(lambdaNodeFlags(128).slice(-2), ["--max-semi-space-size=6", "--max-old-space-size=116"]);
    assert.deepEqual(lambdaNodeFlags(1024).slice(-2), ["--max-semi-space-size=51", "--max-old-space-size=922"]);
    assert.deepEqual(lambdaNodeFlags(10240).slice(-2), ["--max-semi-space-size=512", "--max-old-space-size=9216"]);
  });

  it("keeps the bundle's source map and exposes gc, as the image's runtime does", () => {
    for (const flag of ["--enable-source-maps", "--expose-gc", "--max-http-header-size=81920"]) assert.ok(lambdaNodeFlags(128).includes(flag), flag);
  });
});
