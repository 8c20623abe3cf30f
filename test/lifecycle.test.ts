/**
 * One stack for dev's parts: stops newest first, then closes newest first; the
 * same for a start that fails halfway (what started is released) and a shutdown.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Lifecycle } from "../src/dev/lifecycle.ts";
import { ServiceError } from "../src/errors.ts";
import { RECORDING_HANDLER, useDevWorker } from "./support/devServer.ts";

describe("Class: Lifecycle", () => {
  it("stops every part newest first, then closes every part newest first, once", async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    for (const name of ["lock", "journal", "server", "mapping"]) {
      life.add(name, { stop: () => void calls.push(`stop ${name}`), close: async () => void calls.push(`close ${name}`) });
    }
    await Promise.all([life.close(), life.close()]);
    assert.deepEqual(calls, ["stop mapping", "stop server", "stop journal", "stop lock", "close mapping", "close server", "close journal", "close lock"]);
  });

  it("closes every part even when one fails, and reports the first failure", async () => {
    const closed: string[] = [];
    const life = new Lifecycle();
    life.add("lock", { close: () => void closed.push("lock") });
    life.add("journal", { close: () => Promise.reject(new Error("disk gone")) });
    life.add("server", { stop: () => { throw new Error("already closed"); }, close: () => void closed.push("server") });
    await assert.rejects(life.close(), /already closed/);
    assert.deepEqual(closed, ["server", "lock"]);
  });

  it("refuses a part added while closing", async () => {
    const life = new Lifecycle();
    void life.close();
    assert.throws(() => life.add("late", {}), /stopping: cannot start late/);
  });
});

describe("Function: startDevWorker (a start that fails halfway)", () => {
  const dev = useDevWorker();

  it("releases what it had started: after a port clash, the same project starts on another port", async () => {
    const { worker: first } = await dev.start({});
    const project = await dev.project({ handler: RECORDING_HANDLER });
    await assert.rejects(dev.worker({ projectDir: project.dir, port: first.port }), (error: unknown) => {
      assert.ok(error instanceof ServiceError);
      assert.match(error.message, new RegExp(`Port ${first.port} on 127\\.0\\.0\\.1 is in use`));
      return true;
    });
    const second = await dev.worker({ projectDir: project.dir });
    assert.notEqual(second.port, first.port, "its state lock and journal were released by the failed start");
  });
});
