import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CLI, tempDir } from "./support/cli.ts";
import { envToRecord } from "../src/project/dotenv.ts";

/**
 * `init` on a real terminal: util-linux `script` gives the CLI a pseudo-terminal,
 * and each answer is typed when its question appears on screen.
 */
function answerPrompts(command: string, steps: Array<[RegExp, string]>): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "xterm" } });
    let screen = "";
    let step = 0;
    let seenUpTo = 0;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += chunk;
      const next = steps[step];
      if (next && next[0].test(screen.slice(seenUpTo))) {
        seenUpTo = screen.length;
        step++;
        child.stdin.write(next[1]);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
    setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
  });
}

describe("Command: init on a terminal", () => {
  it("asks for deployment, region, schedule and (for a cron schedule) its time zone, architecture and dev retries, and asks again after an invalid answer", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const project = path.join(dir, "app");
      const erase = "\x7f".repeat(12);
      const { code, screen } = await answerPrompts(`${process.execPath} ${CLI} init ${project} --no-keys`, [
        [/Deployment name/, "Bad Name\r"],
        [/must be 1-31 lowercase letters/, `${erase}staging\r`],
        // Not a region: asked again (it once went into .env as it was).
        [/AWS region/, `${erase}myapp\r`],
        [/"myapp" is not an AWS region/, `${erase}eu-west-1\r`],
        [/Schedule/, "cron(0 9 ? * MON-FRI *)\r"],
        // A cron schedule fires at a time of day: the zone is asked, and checked.
        [/Time zone of the schedule/, `${erase}Mars/Olympus\r`],
        [/is not a known time zone/, `${"\x7f".repeat(20)}Europe/Berlin\r`],
        // The other architecture than this machine's, and dev retries as deployed (the second choice each).
        [/Lambda architecture/, `${process.arch === "arm64" ? "\x1b[B" : "\x1b[A"}\r`],
        [/Retries in dev/, "\x1b[B\r"],
      ]);
      assert.equal(code, 0, screen);
      const env = envToRecord(await readFile(path.join(project, "apps/worker/.env"), "utf8"));
      assert.equal(env.LETSGO_DEPLOYMENT, "staging");
      assert.equal(env.LETSGO_WORKER_REGION, "eu-west-1");
      assert.equal(env.LETSGO_WORKER_SCHEDULE, "cron(0 9 ? * MON-FRI *)");
      assert.equal(env.LETSGO_WORKER_SCHEDULE_TIMEZONE, "Europe/Berlin");
      assert.equal(env.LETSGO_WORKER_ARCHITECTURE, process.arch === "arm64" ? "x86_64" : "arm64");
      assert.deepEqual(Object.keys(env).filter((key) => key.startsWith("LETSGO_DEV_")), [], "dev uses the deployed values");
    } finally {
      await cleanup();
    }
  });
});

describe("Command: init on a terminal, rate schedule", () => {
  it("does not ask for a time zone when the schedule is a rate; the defaults are this machine's architecture and quick dev retries", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const project = path.join(dir, "app");
      const { code, screen } = await answerPrompts(`${process.execPath} ${CLI} init ${project} --no-keys`, [
        [/Deployment name/, "\r"],
        [/AWS region/, "\r"],
        [/Schedule/, "\r"],
        [/Lambda architecture/, "\r"],
        [/Retries in dev/, "\r"],
      ]);
      assert.equal(code, 0, screen);
      assert.doesNotMatch(screen, /Time zone/);
      // The defaults: this machine's architecture (its image builds without emulation), with why arm64 is cheaper;
      // quick retries in dev, said in time, and deploy's own values left as they are.
      assert.match(screen, /this machine's/);
      assert.match(screen, /arm64 costs about 20% less per GB-second/);
      assert.match(screen, /DLQ after ~30 min: 5 receives × 360 s visibility/);
      const env = envToRecord(await readFile(path.join(project, "apps/worker/.env"), "utf8"));
      assert.equal(env.LETSGO_WORKER_ARCHITECTURE, process.arch === "arm64" ? "arm64" : "x86_64");
      assert.equal(env.LETSGO_DEV_VISIBILITY_TIMEOUT, "10");
      assert.equal(env.LETSGO_DEV_FUNCTION_TIMEOUT, "10");
      assert.equal(env.LETSGO_WORKER_VISIBILITY_TIMEOUT, "360", "deploy keeps AWS's advised value");
    } finally {
      await cleanup();
    }
  });
});
