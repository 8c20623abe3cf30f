/**
 * `letsgo-worker schedule` and `schedule run`: the command cores on temp-dir
 * projects, `run` against a real HTTP server standing in for the dev worker's
 * POST /schedule, and the command's flags through commander in a child process
 * (main.ts cannot be compiled yet, so the child registers just this command).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ServiceError } from "../src/errors.js";
import { ScheduleError, ScheduledHandlerError } from "../src/schedule/index.js";
import { runSchedule } from "../src/commands/scheduleRun.js";
import { showSchedule } from "../src/commands/scheduleShow.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function makeProject(envText?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-schedule-"));
  if (envText !== undefined) {
    await mkdir(path.join(dir, "apps", "worker"), { recursive: true });
    await writeFile(path.join(dir, "apps", "worker", ".env"), envText);
  }
  return dir;
}

interface Received {
  method: string;
  url: string;
  body: string;
}

/** A stand-in for the dev worker's /schedule route: answers with `reply` and records requests. */
async function startWorker(reply: (res: ServerResponse) => void): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", body });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function json(status: number, value: unknown) {
  return (res: ServerResponse) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
}

describe("Function: showSchedule", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const project = async (envText?: string) => {
    const dir = await makeProject(envText);
    dirs.push(dir);
    return dir;
  };

  it("reads the schedule and time zone from apps/worker/.env", async () => {
    const cwd = await project("# mine\nLETSGO_WORKER_SCHEDULE='cron(0 9 ? * 3#2 *)'\nLETSGO_WORKER_SCHEDULE_TIMEZONE=America/New_York\n");
    const report = await showSchedule({ cwd, next: 3, now: new Date("2026-01-01T00:00:00Z") });
    assert.equal(report.enabled, true);
    assert.equal(report.kind, "cron");
    assert.equal(report.expression, "cron(0 9 ? * 3#2 *)");
    assert.equal(report.description, "at 09:00 on the second Tuesday of every month (America/New_York)");
    assert.deepEqual(report.fires, [
      { local: "2026-01-13T09:00:00-05:00", utc: "2026-01-13T14:00:00.000Z" },
      { local: "2026-02-10T09:00:00-05:00", utc: "2026-02-10T14:00:00.000Z" },
      { local: "2026-03-10T09:00:00-04:00", utc: "2026-03-10T13:00:00.000Z" },
    ]);
    const envFile = path.join(cwd, "apps", "worker", ".env");
    assert.deepEqual(report.source, { expression: `${envFile}:2`, timezone: `${envFile}:3` });
  });

  it("uses the defaults without a .env: rate(1 hour) in UTC, the first run now (as Scheduler starts a rate at once)", async () => {
    const cwd = await project();
    const report = await showSchedule({ cwd, now: new Date("2026-01-01T00:10:00Z") });
    assert.equal(report.expression, "rate(1 hour)");
    assert.equal(report.timezone, "UTC");
    assert.deepEqual(report.source, { expression: "default", timezone: "default" });
    assert.equal(report.fires.length, 5);
    assert.deepEqual(report.fires[0], { local: "2026-01-01T00:10:00+00:00", utc: "2026-01-01T00:10:00.000Z" });
    assert.equal(report.fires[4]!.utc, "2026-01-01T04:10:00.000Z");
  });

  it("lets flags override the file", async () => {
    const cwd = await project("LETSGO_WORKER_SCHEDULE=rate(5 minutes)\n");
    const report = await showSchedule({ cwd, expression: "cron(0 12 * * ? *)", timezone: "Asia/Tokyo", next: 1, now: new Date("2026-01-01T00:00:00Z") });
    assert.equal(report.expression, "cron(0 12 * * ? *)");
    assert.deepEqual(report.fires, [{ local: "2026-01-01T12:00:00+09:00", utc: "2026-01-01T03:00:00.000Z" }]);
    assert.deepEqual(report.source, { expression: "--expression", timezone: "--timezone" });
  });

  it("reports scheduling disabled for an empty expression", async () => {
    const cwd = await project("LETSGO_WORKER_SCHEDULE=\n");
    const report = await showSchedule({ cwd });
    assert.equal(report.enabled, false);
    assert.equal(report.kind, null);
    assert.deepEqual(report.fires, []);
    assert.match(report.description, /scheduling is disabled/);
  });

  it("rejects LetsGo's 5-field docs example, naming the .env line", async () => {
    const cwd = await project("LETSGO_WORKER_SCHEDULE=cron(0 0 * * 1)\n");
    await assert.rejects(showSchedule({ cwd }), (error: unknown) => {
      assert.ok(error instanceof ScheduleError);
      assert.equal(error.exitCode, 1);
      assert.match(error.message, new RegExp(`apps/worker/\\.env:1: Schedule "cron\\(0 0 \\* \\* 1\\)" is not valid: cron\\(\\) needs 6 fields`));
      return true;
    });
  });

  it("rejects an unknown time zone, naming where it came from", async () => {
    const cwd = await project("LETSGO_WORKER_SCHEDULE_TIMEZONE=Europe/Atlantis\n");
    await assert.rejects(showSchedule({ cwd }), /\.env:1: "Europe\/Atlantis" is not a known time zone/);
  });

  it("says an at() schedule in the past has no fire times", async () => {
    const cwd = await project("LETSGO_WORKER_SCHEDULE=at(2020-01-01T00:00:00)\n");
    const report = await showSchedule({ cwd, now: new Date("2026-01-01T00:00:00Z") });
    assert.equal(report.kind, "at");
    assert.deepEqual(report.fires, []);
  });
});

describe("Function: runSchedule", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("POSTs to <url>/schedule and returns the handler's duration", async () => {
    const worker = await startWorker(json(200, { ok: true, durationMs: 12 }));
    try {
      const result = await runSchedule({ cwd: os.tmpdir(), url: `${worker.url}/` });
      assert.equal(result.durationMs, 12);
      assert.equal(result.url, `${worker.url}/schedule`);
      assert.deepEqual(result.response, { ok: true, durationMs: 12 });
      assert.equal(worker.received.length, 1);
      assert.equal(worker.received[0]!.method, "POST");
      assert.equal(worker.received[0]!.url, "/schedule");
    } finally {
      await worker.close();
    }
  });

  it("defaults to LETSGO_LOCAL_QUEUE_URL from apps/worker/.env", async () => {
    const worker = await startWorker(json(200, { ok: true, durationMs: 3 }));
    const cwd = await makeProject(`LETSGO_LOCAL_QUEUE_URL=${worker.url}\n`);
    dirs.push(cwd);
    try {
      const result = await runSchedule({ cwd });
      assert.equal(result.url, `${worker.url}/schedule`);
      // A GET /health first (is this the project's own worker?), then the run.
      assert.deepEqual(worker.received.map((r) => `${r.method} ${r.url}`), ["GET /health", "POST /schedule"]);
    } finally {
      await worker.close();
    }
  });

  it("reports the handler's failure", async () => {
    const worker = await startWorker(json(500, { error: "database is down" }));
    try {
      await assert.rejects(runSchedule({ cwd: os.tmpdir(), url: worker.url }), (error: unknown) => {
        assert.ok(error instanceof ScheduledHandlerError);
        assert.equal(error.exitCode, 1);
        assert.equal(error.message, "The scheduled handler failed: database is down");
        return true;
      });
    } finally {
      await worker.close();
    }
  });

  it("reports a server without the route", async () => {
    const worker = await startWorker((res) => {
      res.writeHead(404);
      res.end("not found");
    });
    try {
      await assert.rejects(runSchedule({ cwd: os.tmpdir(), url: worker.url }), (error: unknown) => {
        assert.ok(error instanceof ServiceError);
        assert.match(error.message, /answered HTTP 404 to POST \/schedule: "not found"/);
        return true;
      });
    } finally {
      await worker.close();
    }
  });

  it("says no dev worker is listening when the connection is refused", async () => {
    const worker = await startWorker(json(200, {}));
    await worker.close(); // the port is now free: nothing listens there
    await assert.rejects(runSchedule({ cwd: os.tmpdir(), url: worker.url }), (error: unknown) => {
      assert.ok(error instanceof ServiceError);
      assert.equal(error.exitCode, 1);
      assert.match(error.message, new RegExp(`^No dev worker is listening at ${worker.url}: start it with \`letsgo-worker dev\``));
      return true;
    });
  });
});

describe("Command: letsgo-worker schedule (flags through commander, in a child process)", () => {
  // Registers only src/cli/schedule.ts and ends like main.ts: LetsgoError -> message on stderr + its exit code.
  const harness = `
    import { Command } from "commander";
    const { register } = await import("./src/cli/schedule.ts");
    const { LetsgoError } = await import("./src/errors.ts");
    const program = new Command("letsgo-worker").exitOverride();
    register(program);
    try {
      await program.parseAsync(process.argv.slice(1), { from: "user" });
    } catch (error) {
      if (!(error instanceof LetsgoError)) throw error;
      process.stderr.write("error: " + error.message + "\\n");
      process.exitCode = error.exitCode;
    }
  `;
  const run = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", harness, ...args], {
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: "1" },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  let cwd: string;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  before(async () => {
    cwd = await makeProject("LETSGO_WORKER_SCHEDULE=cron(0 9 ? * MON-FRI *)\nLETSGO_WORKER_SCHEDULE_TIMEZONE=Europe/Berlin\n");
    worker = await startWorker(json(200, { ok: true, durationMs: 7 }));
  });
  after(async () => {
    await worker.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it("prints the schedule in words and its next fire times", async () => {
    const { code, stdout } = await run("schedule", "--cwd", cwd, "--next", "2");
    assert.equal(code, 0);
    assert.match(stdout, /^cron\(0 9 \? \* MON-FRI \*\) \(.*\.env:1\)$/m);
    assert.match(stdout, /at 09:00 on Monday through Friday \(Europe\/Berlin\)/);
    assert.match(stdout, /Next 2 fire times \(Europe\/Berlin \/ UTC\):/);
    assert.equal(stdout.match(/^ {2}\d{4}-\d\d-\d\dT09:00:00\+0[12]:00 {3}\d{4}-\d\d-\d\dT0[78]:00:00\.000Z$/gm)?.length, 2);
  });

  it("--json prints one document; --expression and --timezone override", async () => {
    const { code, stdout } = await run("schedule", "--cwd", cwd, "--json", "--next", "1", "--expression", "at(2099-01-01T00:00:00)", "--timezone", "UTC");
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.kind, "at");
    assert.deepEqual(report.fires, [{ local: "2099-01-01T00:00:00+00:00", utc: "2099-01-01T00:00:00.000Z" }]);
  });

  it("exits 1 with the reason for an invalid expression", async () => {
    const { code, stdout, stderr } = await run("schedule", "--cwd", cwd, "--expression", "rate(1 minutes)");
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(stderr, /--expression: Schedule "rate\(1 minutes\)" is not valid: with the value 1 the unit is singular/);
  });

  it("says scheduling is disabled for an empty expression", async () => {
    const { code, stdout } = await run("schedule", "--cwd", cwd, "--expression", "");
    assert.equal(code, 0);
    assert.match(stdout, /Scheduling is disabled/);
  });

  it("rejects --next that is not a positive number", async () => {
    const { code, stderr } = await run("schedule", "--cwd", cwd, "--next", "0");
    assert.equal(code, 2);
    assert.match(stderr, /--next must be a whole number from 1 to 1000/);
  });

  it("schedule run --url fires the handler on the dev worker", async () => {
    const { code, stdout } = await run("schedule", "run", "--cwd", cwd, "--url", worker.url);
    assert.equal(code, 0);
    assert.match(stdout, /scheduled handler ran in 7 ms/);
    assert.equal(worker.received.at(-1)?.url, "/schedule");
  });
});
