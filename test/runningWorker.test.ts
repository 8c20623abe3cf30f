/**
 * Two projects, two real `dev` processes: each project's commands reach its own
 * worker (recorded in its state directory, whatever port it took), never the
 * other's on the shared default; a command that would reach the other project's
 * worker refuses and sends nothing. /health names the project.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "./support/cli.ts";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import { makeProject, request, RECORDING_HANDLER, startDevCli, useDevWorker, type DevCli, type TestProject } from "./support/devServer.ts";

describe("Scenario: two projects, each with its own dev worker", () => {
  let a: TestProject;
  let b: TestProject;
  let devA: DevCli;
  let devB: DevCli | undefined;

  before(async () => {
    a = await makeProject({ handler: RECORDING_HANDLER });
    b = await makeProject({ handler: RECORDING_HANDLER });
    devA = await startDevCli(a.dir, ["--no-schedule"]);
    // B's settings point at A's port, as two projects on the default 3002 would collide.
    await writeFile(path.join(b.dir, "apps", "worker", ".env"), `LETSGO_WORKER_BATCHING_WINDOW=0\nLETSGO_LOCAL_QUEUE_URL=${devA.url}\n`);
    devB = await startDevCli(b.dir, ["--no-schedule"]);
  });
  after(async () => {
    await devB?.stop();
    await devA.stop();
    await a.cleanup();
    await b.cleanup();
  });

  it("/health names the project each worker runs", async () => {
    assert.equal((await request(devA.url, "GET", "/health")).body.project.root, a.dir);
    assert.equal((await request(devB!.url, "GET", "/health")).body.project.root, b.dir);
  });

  it("enqueue and schedule run in B reach B's worker, on the port it took", async () => {
    const sent = await runCli(["enqueue", "--type", "Hello", "--json", "--cwd", b.dir]);
    assert.equal(sent.code, 0, sent.stderr);
    const { messageId, target } = JSON.parse(sent.stdout) as { messageId: string; target: string };
    assert.equal(target, devB!.url);
    await devB!.waitForLine((line) => line.event === "message:handled" && line.id === messageId);
    assert.equal(devA.lines.filter((line) => line.event === "message:handled").length, 0, "nothing reached A");
    // B's handler takes no scheduled events, so the run fails: in B, which is the point.
    await runCli(["schedule", "run", "--cwd", b.dir]);
    await devB!.waitForLine((line) => line.event === "schedule:ran");
    assert.equal(devA.lines.filter((line) => line.event === "schedule:ran").length, 0, "A ran nothing");
  });

  it("with B's worker stopped, B's commands refuse to send to A's worker, saying why", async () => {
    await devB!.stop();
    devB = undefined;
    const sent = await runCli(["enqueue", "--type", "Hello", "--cwd", b.dir]);
    assert.equal(sent.code, 1);
    assert.match(sent.stderr, new RegExp(`The dev worker at ${devA.url.replace(/[.]/g, "\\.")} runs "[^"]+" \\(${a.dir.replace(/[.]/g, "\\.")}\\), not "[^"]+": nothing was sent`));
    assert.ok(sent.stderr.includes(`letsgo-worker dev --cwd ${b.dir}`), sent.stderr);
    const dlq = await runCli(["dlq", "list", "--cwd", b.dir]);
    assert.equal(dlq.code, 1);
    assert.match(dlq.stderr, /nothing was sent/);
    assert.equal((await request(devA.url, "GET", "/stats")).body.visible, 0);
  });
});

describe("dev banner: the settings file and a working example", () => {
  const dev = useDevWorker();

  it("says plainly when apps/worker/.env is missing, and its example uses a type the project declares", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    await rm(path.join(project.dir, "apps", "worker", ".env"));
    await mkdir(path.join(project.dir, "packages", "types"), { recursive: true });
    await writeFile(path.join(project.dir, "packages", "types", "index.ts"), 'export enum MessageType {\n  Contact = "letsgo:contact",\n  OrderNew = "OrderNew",\n}\n');
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    assert.match(worker.settingsWarning ?? "", /^no apps\/worker\/\.env: using the defaults \(deployment main, region us-west-2, no secrets\)/);
    assert.deepEqual(worker.exampleMessage, { type: "OrderNew", payload: {} });
    let text = "";
    const identity = (t: string) => t;
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity }, projectDir: project.dir, watching: false });
    worker.emit("ready", { url: worker.url });
    detach();
    assert.match(text, /  settings  no apps\/worker\/\.env: using the defaults/);
    assert.match(text, new RegExp(`letsgo-worker enqueue --type OrderNew --payload '\\{\\}'   or   curl -d '\\{"type":"OrderNew","payload":\\{\\}\\}' ${worker.url.replace(/[.]/g, "\\.")}`));
  });
});
