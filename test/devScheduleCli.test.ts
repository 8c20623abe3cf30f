/**
 * The real binaries: `letsgo-worker dev` fires its schedule, and
 * `letsgo-worker schedule run` fires the scheduled handler on demand and
 * reports a failing one. Needs the compiled CLI (`npm test` builds it first).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "./support/cli.js";
import { makeProject, startDevCli, type DevCli, type TestProject } from "./support/devServer.js";
import { atFromNow, SCHEDULED_HANDLER } from "./support/schedule.js";

let project: TestProject | undefined;
let cli: DevCli | undefined;
afterEach(async () => {
  await cli?.stop();
  await project?.cleanup();
  cli = undefined;
  project = undefined;
});

describe("dev CLI schedule", () => {
  it("fires on its schedule, on `schedule run`, and reports a throwing handler to `schedule run` without stopping", async () => {
    const at = atFromNow(2);
    project = await makeProject({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: at.expression } });
    cli = await startDevCli(project.dir, ["--no-watch"]);
    const ready = cli.lines.find((line) => line.event === "ready")!;
    assert.deepEqual(ready.schedule, { state: "on", next: at.iso });

    const onSchedule = await cli.waitForLine((line) => line.event === "schedule:ran");
    assert.equal(onSchedule.ok, true, onSchedule.error);
    assert.equal(onSchedule.trigger, "schedule");
    assert.equal(onSchedule.scheduledTime, at.iso);

    const ran = await runCli(["schedule", "run", "--url", cli.url]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /scheduled handler ran in \d+ ms/);

    await writeFile(`${project.log}.mode`, "throw");
    const failed = await runCli(["schedule", "run", "--url", cli.url]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /The scheduled handler failed: .*scheduled on purpose/);
    const logged = await cli.waitForLine((line) => line.event === "schedule:ran" && line.ok === false);
    assert.match(logged.error, /scheduled on purpose/);

    assert.equal(cli.process.exitCode, null, "dev is still running");
    await writeFile(`${project.log}.mode`, "ok");
    assert.equal((await runCli(["schedule", "run", "--url", cli.url])).code, 0);
  });

  it("`schedule run --json` prints one JSON document, with --url or with --cwd after `run`", async () => {
    project = await makeProject({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: "" } });
    cli = await startDevCli(project.dir, ["--no-watch"]);
    const withUrl = await runCli(["schedule", "run", "--url", cli.url, "--json"]);
    assert.equal(withUrl.code, 0, withUrl.stderr);
    const result = JSON.parse(withUrl.stdout);
    assert.equal(result.url, `${cli.url}/schedule`);
    assert.equal(typeof result.durationMs, "number");
    assert.equal(result.response.ok, true);
    assert.equal(result.response.trigger, "request");

    // --cwd given after `run` must reach `run`: the URL comes from that project's .env.
    await appendFile(path.join(project.dir, "apps", "worker", ".env"), `LETSGO_LOCAL_QUEUE_URL=${cli.url}\n`);
    const withCwd = await runCli(["schedule", "run", "--json", "--cwd", project.dir], { cwd: "/" });
    assert.equal(withCwd.code, 0, withCwd.stderr);
    assert.equal(JSON.parse(withCwd.stdout).url, `${cli.url}/schedule`);
  });

  it("--no-schedule leaves the timer off; `schedule run` still fires the handler", async () => {
    project = await makeProject({ handler: SCHEDULED_HANDLER, env: { LETSGO_WORKER_SCHEDULE: "rate(1 minute)" } });
    cli = await startDevCli(project.dir, ["--no-watch", "--no-schedule"]);
    assert.deepEqual(cli.lines.find((line) => line.event === "ready")!.schedule, { state: "off", next: null });
    const ran = await runCli(["schedule", "run", "--url", cli.url]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /scheduled handler ran/);
    const logged = await cli.waitForLine((line) => line.event === "schedule:ran");
    assert.equal(logged.trigger, "request");
  });
});
