/**
 * One Lambda execution environment as a container of the worker's image, run
 * as Lambda runs it: the image's own entrypoint and command, started with
 * AWS_LAMBDA_RUNTIME_API pointing at a Runtime API served for this container
 * alone (./runtimeApiServer.ts); the function's memory as the container's
 * memory limit (no swap); a read-only root file system with /tmp a tmpfs of
 * the function's ephemeral storage; the function's configuration as its
 * environment. The container shares the host's network namespace so that the
 * runtime reaches the API on loopback (the engines here run with no bridge).
 *
 * An invocation ends with the runtime's answer, or at the function timeout
 * (the container is killed, as Lambda ends the environment), or with the
 * container's end (a crash, the memory limit).
 */
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { runtimeExitError } from "../pool/runtimeExit.js";
import { RuntimeApiServer, type RuntimeError, type RuntimeInvocation, type RuntimeOutcome } from "./runtimeApiServer.js";

const MIB = 1024 * 1024;

export interface ContainerEnvironmentOptions {
  docker: Docker;
  /** The image `build` made (its entrypoint and command are used as they are). */
  image: string;
  /** The function's environment: Lambda's variables and the worker's own. */
  env: Record<string, string>;
  memoryMb: number;
  ephemeralStorageMb: number;
  /** Lambda gives the init phase 10 s. */
  initTimeoutMs?: number;
  /** Each line the container writes. */
  onOutput?: (stream: "stdout" | "stderr", line: string) => void;
}

/** How the container ended, when it did. */
export interface ContainerExit {
  exitCode: number;
  /** The kernel killed it over the memory limit. */
  oomKilled: boolean;
}

export type EnvironmentOutcome =
  | Exclude<RuntimeOutcome, { kind: "gone" }>
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "exited"; exit: ContainerExit; reason: string };

export class ContainerEnvironment {
  private exit: ContainerExit | null = null;
  private stopped = false;
  /** Resolves when the container has ended. */
  readonly ended: Promise<ContainerExit>;

  private constructor(
    private readonly api: RuntimeApiServer,
    private readonly container: Docker.Container,
    readonly initError: RuntimeError | null,
    ended: Promise<ContainerExit>,
  ) {
    this.ended = ended;
  }

  /**
   * Create and start the container and wait until its runtime asks for the
   * first invocation (loaded), reports a failed load (`initError`), ends, or
   * runs past the init timeout (then it is stopped and this rejects).
   */
  static async start(options: ContainerEnvironmentOptions): Promise<ContainerEnvironment> {
    const api = await RuntimeApiServer.start();
    let container: Docker.Container | undefined;
    try {
      container = await options.docker.createContainer({
        Image: options.image,
        Env: [...Object.entries(options.env).map(([key, value]) => `${key}=${value}`), `AWS_LAMBDA_RUNTIME_API=${api.address}`],
        Labels: { "letsgo.dev": "execution-environment" },
        HostConfig: {
          NetworkMode: "host",
          Memory: options.memoryMb * MIB,
          MemorySwap: options.memoryMb * MIB,
          ReadonlyRootfs: true,
          Tmpfs: { "/tmp": `rw,size=${options.ephemeralStorageMb}m` },
        },
      });
      await followOutput(container, options.onOutput);
      const ended = watchEnd(container, api);
      const loaded = waitLoaded(api, ended, options.initTimeoutMs ?? 10_000);
      await container.start();
      const initError = await loaded;
      return new ContainerEnvironment(api, container, initError, ended);
    } catch (error) {
      await container?.remove({ force: true }).catch(() => undefined);
      await api.close();
      throw error;
    }
  }

  /** Whether it can take an invocation: loaded, alive, not stopped. */
  get usable(): boolean {
    return !this.stopped && this.exit === null && this.initError === null;
  }

  /** Run one invocation; `timeoutMs` is the function timeout. */
  async invoke(invocation: Omit<RuntimeInvocation, "deadlineMs">, timeoutMs: number): Promise<EnvironmentOutcome> {
    if (this.initError) return { kind: "init-error", error: this.initError };
    if (this.exit) return { kind: "exited", exit: this.exit, reason: describeExit(this.exit) };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const answered = this.api.invoke({ ...invocation, deadlineMs: Date.now() + timeoutMs });
    const first = await Promise.race([answered, timedOut]);
    clearTimeout(timer);
    if (first === "timeout") {
      // Lambda ends an environment whose invocation timed out; the next one starts fresh.
      await this.stop();
      return { kind: "timeout", timeoutMs };
    }
    if (first.kind !== "gone") return first;
    const exit = await this.ended;
    return { kind: "exited", exit, reason: describeExit(exit) };
  }

  /** Remove the container and close its API. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.container.remove({ force: true }).catch(() => undefined);
    await this.api.close();
  }
}

/** Lambda's words for an environment that ended under an invocation. */
function describeExit(exit: ContainerExit): string {
  if (exit.oomKilled) return "Runtime.OutOfMemory: the function used more memory than it has (the container's limit), and was killed";
  return runtimeExitError(`exit status ${exit.exitCode}`);
}

/** Resolve with the init error, or null once the runtime asks for its first invocation. */
function waitLoaded(api: RuntimeApiServer, ended: Promise<ContainerExit>, timeoutMs: number): Promise<RuntimeError | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the runtime did not ask for an invocation within ${timeoutMs / 1000} s (Lambda's init phase)`)), timeoutMs);
    const done = (value: RuntimeError | null) => {
      clearTimeout(timer);
      resolve(value);
    };
    api.once("ready", () => done(null));
    api.once("init-error", (error) => done(error));
    void ended.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the container ended before its runtime was ready: ${describeExit(exit)}`));
    });
  });
}

/** When the container ends: its exit code and whether the memory limit killed it; the API's waiting invocation is let go. */
async function watchEnd(container: Docker.Container, api: RuntimeApiServer): Promise<ContainerExit> {
  // "next-exit": the default condition ("not-running") answers at once for a container not started yet.
  const { StatusCode } = (await container.wait({ condition: "next-exit" })) as { StatusCode: number };
  const state = await container.inspect().then(
    (info) => info.State,
    () => undefined,
  );
  const exit = { exitCode: StatusCode, oomKilled: state?.OOMKilled === true };
  api.abandon("the container ended");
  return exit;
}

/** Lines of the container's stdout and stderr, from its start (attached before it starts). */
async function followOutput(container: Docker.Container, onOutput: ContainerEnvironmentOptions["onOutput"]): Promise<void> {
  if (!onOutput) return;
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const lines = (name: "stdout" | "stderr") => {
    const pass = new PassThrough();
    let partial = "";
    pass.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) onOutput(name, line);
    });
    pass.on("end", () => partial && onOutput(name, partial));
    return pass;
  };
  const stdout = lines("stdout");
  const stderr = lines("stderr");
  container.modem.demuxStream(stream, stdout, stderr);
  stream.on("end", () => {
    stdout.end();
    stderr.end();
  });
}
