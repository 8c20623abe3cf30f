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
  it("asks for deployment, region, schedule and (for a cron schedule) its time zone, and asks again after an invalid answer", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const project = path.join(dir, "app");
      const erase = "\x7f".repeat(12);
      const { code, screen } = await answerPrompts(`${process.execPath} ${CLI} init ${project} --no-keys`, [
        [/Deployment name/, "Bad Name\r"],
        [/must be 1-31 lowercase letters/, `${erase}staging\r`],
        [/AWS region/, "eu-west-1\r"],
        [/Schedule/, "cron(0 9 ? * MON-FRI *)\r"],
        // A cron schedule fires at a time of day: the zone is asked, and checked.
        [/Time zone of the schedule/, `${erase}Mars/Olympus\r`],
        [/is not a known time zone/, `${"\x7f".repeat(20)}Europe/Berlin\r`],
      ]);
      assert.equal(code, 0, screen);
      const env = envToRecord(await readFile(path.join(project, "apps/worker/.env"), "utf8"));
      assert.equal(env.LETSGO_DEPLOYMENT, "staging");
      assert.equal(env.LETSGO_WORKER_REGION, "eu-west-1");
      assert.equal(env.LETSGO_WORKER_SCHEDULE, "cron(0 9 ? * MON-FRI *)");
      assert.equal(env.LETSGO_WORKER_SCHEDULE_TIMEZONE, "Europe/Berlin");
    } finally {
      await cleanup();
    }
  });
});

describe("Command: init on a terminal, rate schedule", () => {
  it("does not ask for a time zone when the schedule is a rate", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const project = path.join(dir, "app");
      const { code, screen } = await answerPrompts(`${process.execPath} ${CLI} init ${project} --no-keys`, [
        [/Deployment name/, "\r"],
        [/AWS region/, "\r"],
        [/Schedule/, "\r"],
      ]);
      assert.equal(code, 0, screen);
      assert.doesNotMatch(screen, /Time zone/);
    } finally {
      await cleanup();
    }
  });
});
