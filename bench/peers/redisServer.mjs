/** redis-server for the BullMQ peer: a spare loopback port, a fresh directory, AOF fsynced every second. */
import { spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort, spawnReady } from "../support/processes.mjs";

export const REDIS_ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"];

/** The redis-server on PATH and its version, or null. */
export function findRedis() {
  const result = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) return null;
  return { version: /v=(\S+)/.exec(result.stdout)?.[1] ?? result.stdout.trim() };
}

export function redisCommand() {
  return `redis-server --port <spare> ${REDIS_ARGS.map((a) => (a === "" ? "''" : a)).join(" ")} --dir <temp>`;
}

export async function startRedis() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-redis-"));
  const port = await freePort();
  const { child } = await spawnReady("redis-server", ["--port", String(port), ...REDIS_ARGS, "--dir", dir], { ready: /Ready to accept connections/ });
  return { child, port, dir };
}
