/**
 * moto's server on a clock the test sets (./clocked_moto.py): SQS's visibility
 * timeouts, delays and retention follow `setTime`, so a test steps through
 * minutes of queue time in milliseconds, and never races the wall clock.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";

export interface ClockedMoto {
  endpoint: string;
  /** Set moto's clock (epoch ms). */
  setTime(epochMs: number): void;
  stop(): Promise<void>;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "clocked_moto.py");


export async function startClockedMoto(startMs: number): Promise<ClockedMoto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "letsgo-moto-clock-"));
  const clock = path.join(dir, "now");
  const setTime = (epochMs: number) => writeFileSync(clock, String(epochMs / 1000));
  setTime(startMs);
  const port = await freePort();
  const child = spawn("python3", [SCRIPT, "-H", "127.0.0.1", "-p", String(port)], { env: { ...process.env, MOTO_CLOCK_FILE: clock }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`clocked moto exited before it was ready:\n${stderr}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 400) throw new Error(`clocked moto did not answer:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint,
    setTime,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
