/**
 * The background type check waits while messages flow (src/dev/types/typeChecks.ts):
 * requested while busy it is deferred, and it runs once the queue is quiet.
 * The check itself is real (typecheckWorker on a folder with no project: it
 * fails at once, which is an outcome like any other).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BackgroundTypeChecks, type TypesState } from "../src/dev/types/typeChecks.js";

describe("Class: BackgroundTypeChecks (while messages flow)", () => {
  it("defers a check while busy and runs it once quiet", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-typecheck-defer-"));
    let busy = true;
    let told!: (state: TypesState) => void;
    const result = new Promise<TypesState>((resolve) => (told = resolve));
    const checks = new BackgroundTypeChecks(dir, true, (state) => told(state), () => busy);
    try {
      checks.request();
      assert.equal(checks.deferred, true, "busy: the check waits");
      assert.deepEqual(checks.state, { state: "checking" });
      busy = false;
      // Not unref'd: the deferral's own timer is (dev's server keeps the loop alive; here this does).
      let timeout: NodeJS.Timeout | undefined;
      const state = await Promise.race([result, new Promise<never>((_, reject) => (timeout = setTimeout(() => reject(new Error("no check within 60 s")), 60_000)))]).finally(() => clearTimeout(timeout));
      assert.notEqual(state.state, "checking", "it ran once the queue was quiet");
      assert.equal(checks.deferred, false);
    } finally {
      checks.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs at once when nothing flows", () => {
    const checks = new BackgroundTypeChecks(os.tmpdir(), true, () => {}, () => false);
    checks.request();
    assert.equal(checks.deferred, false);
    checks.close();
  });
});
