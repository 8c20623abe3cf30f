/** Running the real, compiled CLI (bin/letsgo-worker.js → dist/) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, symlink, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(REPO_ROOT, "bin", "letsgo-worker.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin!.end(options.input ?? "");
  return collect(child);
}

/** Wait for a child to end, with everything it printed. */
function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temp dir, removed by the returned cleanup. */
export async function tempDir(prefix = "letsgo-test-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Make a scaffolded project resolve `letsgo-worker` to this checkout and
 * `@letsgo/types` / `@letsgo/queue` to its own packages, as npm workspaces would, without the network.
 */
export async function linkProjectDependencies(projectDir: string): Promise<void> {
  const modules = path.join(projectDir, "node_modules");
  await mkdir(path.join(modules, "@letsgo"), { recursive: true });
  await mkdir(path.join(modules, "@types"), { recursive: true });
  await symlink(REPO_ROOT, path.join(modules, "letsgo-worker"), "dir");
  await symlink(path.join(projectDir, "packages", "types"), path.join(modules, "@letsgo", "types"), "dir");
  await symlink(path.join(projectDir, "packages", "queue"), path.join(modules, "@letsgo", "queue"), "dir");
  await symlink(path.join(REPO_ROOT, "node_modules", "@types", "node"), path.join(modules, "@types", "node"), "dir");
}

/** Run this checkout's TypeScript compiler on a project's tsconfig (no emit). */
export function typecheck(tsconfig: string): Promise<CliResult> {
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  return collect(spawn(process.execPath, [tsc, "-p", tsconfig, "--noEmit"], { stdio: ["ignore", "pipe", "pipe"] }));
}
