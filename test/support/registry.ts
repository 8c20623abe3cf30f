/**
 * A real image registry on 127.0.0.1 (Debian's docker-registry), the stand-in
 * for ECR. The Docker engine treats 127.0.0.0/8 registries as insecure (plain
 * HTTP) by default, so pushes work without TLS.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { skipLoudly, stopProcess, waitUntil, which } from "./docker.js";
import { freePort } from "./ports.js";

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the prefix of repository names pushed here. */
  address: string;
  /** Tags of a repository, from GET /v2/<repo>/tags/list. */
  tags(repository: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startTestRegistry(): Promise<TestRegistry | { skip: string }> {
  const binary = await which("docker-registry");
  if (!binary) return skipLoudly("docker-registry is not installed (apt-get install docker-registry, as .ci/run does)");

  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-registry-"));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(dir, "config.yml");
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "http:",
      `  addr: ${address}`,
      "",
    ].join("\n"),
  );
  const log = createWriteStream(path.join(dir, "registry.log"));
  const child = spawn(binary, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const close = async () => {
    await stopProcess(child);
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
  const ready = async () => {
    try {
      return (await fetch(`http://${address}/v2/`)).ok;
    } catch {
      return false;
    }
  };
  try {
    await waitUntil(ready, child, 20_000);
  } catch (error) {
    const tail = await readFile(path.join(dir, "registry.log"), "utf8").catch(() => "");
    await close();
    return skipLoudly(`docker-registry did not start (${(error as Error).message}): ${tail.slice(-1000)}`);
  }
  return {
    address,
    async tags(repository) {
      const response = await fetch(`http://${address}/v2/${repository}/tags/list`);
      if (response.status === 404) return [];
      const body = (await response.json()) as { tags?: string[] | null };
      return body.tags ?? [];
    },
    close,
  };
}

