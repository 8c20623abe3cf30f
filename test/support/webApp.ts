/**
 * A project's web app (apps/web/server.ts) as its own process, run with tsx
 * as a developer runs it: only PATH, HOME, no AWS identity files, and the
 * given environment. Its server prints one JSON line holding its URL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

const TSX = import.meta.resolve("tsx");

export interface WebApp {
  url: string;
  /** What it logged (warn and error lines go to stderr). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Start apps/web/server.ts under tsx with `env` on top of a clean environment. */
export async function startWebApp(projectDir: string, env: Record<string, string>): Promise<WebApp> {
  const child: ChildProcess = spawn(process.execPath, ["--import", TSX, path.join(projectDir, "apps/web/server.ts")], {
    cwd: path.join(projectDir, "apps/web"),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    child.once("exit", (code) => reject(new Error(`the web app exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
