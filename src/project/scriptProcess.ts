/**
 * Run one of this tool's scripts in a child process and take its one answer
 * over IPC: `{ error }` or the result. The TypeScript checker's work (deriving
 * payload shapes, type-checking the worker) runs this way, so its memory and
 * time never land in the process that asked. Run from source (this tool's
 * tests), the script is TypeScript and runs under tsx; installed, it is the
 * compiled .js beside the caller. Bounded: past `timeoutMs` it is killed.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ScriptProcessOptions {
  timeoutMs: number;
  /** How the error says it ended without an answer: "the type check", "the deriving process". */
  what: string;
  signal?: AbortSignal;
  /** The child's environment and folder (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Node flags for the child (e.g. the heap flags a handler process gets). */
  nodeFlags?: string[];
}

/** `script`: the name beside `callerUrl` (import.meta.url), without extension. */
export function runScriptProcess<T>(callerUrl: string, script: string, args: string[], options: ScriptProcessOptions): Promise<T> {
  const fromSource = callerUrl.endsWith(".ts");
  const file = fileURLToPath(new URL(`./${script}.${fromSource ? "ts" : "js"}`, callerUrl));
  return new Promise((resolve, reject) => {
    const child = fork(file, args, {
      // tsx by its own address: the child's folder (cwd) may be anywhere.
      execArgv: [...(fromSource ? ["--import", import.meta.resolve("tsx")] : []), ...(options.nodeFlags ?? [])],
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let answer: (T & { error?: undefined }) | { error: string } | undefined;
    child.on("message", (message) => (answer = message as typeof answer));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (answer && answer.error === undefined) resolve(answer as T);
      else reject(new Error(answer?.error ?? (stderr.trim() || `${options.what} ended (${signal ?? `exit code ${code}`})`)));
    });
  });
}
