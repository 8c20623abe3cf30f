/**
 * `dev` type-checks the worker in the background after each change (issue 21,
 * item 3), through the real binary: a handler reading a field its message type
 * does not have is reported on the console with the file, the line and the
 * error, delivery goes on meanwhile, and the report clears once it is fixed;
 * --no-typecheck checks nothing.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { linkProjectDependencies, runCli, tempDir } from "./support/cli.ts";
import { post, request, startDevCli, type DevCli } from "./support/devServer.ts";

describe("dev: the worker's types, checked in the background", { timeout: 180_000 }, () => {
  let project: Awaited<ReturnType<typeof tempDir>>;
  let dev: DevCli;
  let handlerFile: string;
  let original: string;

  before(async () => {
    project = await tempDir("letsgo-dev-types-");
    assert.equal((await runCli(["init", "--yes", "--no-keys", project.dir])).code, 0);
    const added = await runCli(["add-message", "OrderNew", "--field", "orderId:string", "--cwd", project.dir]);
    assert.equal(added.code, 0, added.stderr);
    await linkProjectDependencies(project.dir);
    await writeFile(path.join(project.dir, "apps/worker/.env"), "LETSGO_WORKER_BATCHING_WINDOW=0\n");
    handlerFile = path.join(project.dir, "apps/worker/src/handlers/orderNewHandler.ts");
    original = await readFile(handlerFile, "utf8");
    dev = await startDevCli(project.dir, ["--no-schedule"]);
  });
  after(async () => {
    await dev?.stop();
    await project?.cleanup();
  });

  const checked = (after: number, ok: boolean) => dev.waitForLine((line) => line.event === "types:checked" && dev.lines.indexOf(line) >= after && line.ok === ok);

  it("says the scaffold has no type errors", async () => {
    const line = await checked(0, true);
    assert.equal(line.total, 0);
    assert.equal((await request(dev.url, "GET", "/api/overview")).body.types.state, "checked");
    assert.match(line.compiler, /^typescript \d/);
  });

  it("reports a type error with its file, line and code, while messages are still handled; clears once fixed", async () => {
    const mark = dev.lines.length;
    await writeFile(handlerFile, original.replace(/(async \(message, event, context\) => \{)/, "$1\n  console.log(message.payload.customerId);"));
    const failed = await checked(mark, false);
    assert.equal(failed.total, 1);
    assert.equal(failed.errors[0].file, "apps/worker/src/handlers/orderNewHandler.ts");
    assert.equal(failed.errors[0].code, 2339);
    assert.match(failed.errors[0].message, /Property 'customerId' does not exist/);
    const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "o_1" } });
    assert.equal(sent.status, 201);
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === sent.body.messageIds[0]);

    const fixed = dev.lines.length;
    await writeFile(handlerFile, original);
    await checked(fixed, true);
  });
});

describe("dev --no-typecheck", { timeout: 120_000 }, () => {
  it("checks nothing", async () => {
    const project = await tempDir("letsgo-dev-notypes-");
    try {
      assert.equal((await runCli(["init", "--yes", "--no-keys", project.dir])).code, 0);
      await linkProjectDependencies(project.dir);
      const dev = await startDevCli(project.dir, ["--no-schedule", "--no-typecheck"]);
      try {
        assert.deepEqual((await request(dev.url, "GET", "/api/overview")).body.types, { state: "off" });
        const sent = await post(dev.url, { type: "letsgo:contact", payload: { email: "a@b.c", message: "hi" } });
        await dev.waitForLine((line) => line.event === "message:handled" && line.id === sent.body.messageIds[0]);
        assert.equal(dev.lines.filter((line) => line.event === "types:checked").length, 0);
      } finally {
        await dev.stop();
      }
    } finally {
      await project.cleanup();
    }
  });
});
