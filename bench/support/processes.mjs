/**
 * Processes a benchmark starts: wait for a server's "ready" line, stop it, and
 * measure a process tree's memory (a process and all its descendants) from /proc.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * Spawn `command args` and resolve once a stdout line matches `ready`, with the
 * match. Stdout keeps being drained afterwards (a full pipe would block the
 * process); the last few kB of stderr are kept, for errors (child.stderrTail()).
 */
export async function spawnReady(command, args, { ready, env, cwd, ipc = false, timeoutMs = 30_000 } = {}) {
  const stdio = ["ignore", "pipe", "pipe", ...(ipc ? ["ipc"] : [])];
  const child = spawn(command, args, { stdio, env: { ...process.env, ...env }, cwd });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  child.stderrTail = () => stderr;
  const spawned = performance.now();
  let buffer = "";
  const match = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} was not ready after ${timeoutMs} ms:\n${buffer.slice(-2000)}${stderr}`)), timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited (${code ?? signal}) before it was ready:\n${buffer.slice(-2000)}${stderr}`));
    };
    child.once("exit", onExit);
    child.stdout.setEncoding("utf8").on("data", function onData(chunk) {
      buffer += chunk;
      // eslint-disable-next-line no-control-regex
      const found = ready.exec(buffer.replace(/\x1b\[[0-9;]*m/g, ""));
      if (!found) {
        if (buffer.length > 1e6) buffer = buffer.slice(-1e5);
        return;
      }
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout.off("data", onData);
      child.stdout.resume();
      resolve(found);
    });
  });
  return { child, match, readyMs: performance.now() - spawned };
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A port nothing listens on now (the OS picks it; the caller binds it soon after). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

function childrenOf(pid) {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
    return tasks.split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `pid` and all its descendants still running. */
export function processTree(pid) {
  const all = [];
  const todo = [pid];
  while (todo.length) {
    const next = todo.pop();
    all.push(next);
    todo.push(...childrenOf(next));
  }
  return all;
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // exited meanwhile
  }
}

/** A short name for a process: its script's file name (node's first .js/.mjs argument), else its program's. */
function processLabel(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const script = argv.slice(1).find((arg) => /\.(m?js)$/.test(arg) && !arg.startsWith("-") && !arg.startsWith("file:"));
    return path.basename((script ?? argv[0] ?? "?").split(" ")[0]);
  } catch {
    return "?";
  }
}

/**
 * Resident memory of the trees rooted at `pids`, summed, in MB (2^20 bytes),
 * and by process name: [{ label, count, mb }], largest first.
 */
export function treeRss(pids) {
  const parts = new Map();
  let kb = 0;
  for (const root of pids) {
    for (const pid of processTree(root)) {
      const rss = rssKb(pid);
      if (!rss) continue;
      kb += rss;
      const label = processLabel(pid);
      const part = parts.get(label) ?? { label, count: 0, mb: 0 };
      part.count++;
      part.mb += rss / 1024;
      parts.set(label, part);
    }
  }
  return { mb: kb / 1024, parts: [...parts.values()].sort((a, b) => b.mb - a.mb) };
}

/** "dev.js 70 + 5 × child.js 330 + esbuild 15" (MB). */
export function describeParts(parts) {
  return parts.map((p) => `${p.count > 1 ? `${p.count} × ` : ""}${p.label} ${p.mb.toFixed(0)}`).join(" + ");
}

/** Sample treeRss(pids()) every `everyMs` until stopped; stop() returns the largest sample. */
export function sampleTreeRss(pids, everyMs = 100) {
  let peak = treeRss(pids());
  const sample = () => {
    const now = treeRss(pids());
    if (now.mb > peak.mb) peak = now;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
