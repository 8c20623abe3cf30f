/**
 * Intake at a fresh start (src/dev/reload/workerCode.ts): it waits for
 * nothing, not the bundle, a handler process or the types. Before the types
 * are first read, messages are accepted unchecked (SQS checks no body either;
 * the runtime checks each payload before the handler) and counted; once read,
 * intake checks against them, and the count is told once. The real
 * derivation runs (a child process with the TypeScript checker).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { workerPaths } from "../src/project/paths.js";
import { WorkerCode } from "../src/dev/reload/workerCode.js";
import { copyExample } from "./support/browser.js";

describe("Class: WorkerCode (intake at start)", { timeout: 120_000 }, () => {
  it("answers at once before the types are read, counts what it let in unchecked, then checks", async () => {
    const dir = await copyExample("letsgo-intake-");
    const outDir = await mkdtemp(path.join(os.tmpdir(), "letsgo-intake-out-"));
    await rm(path.join(dir, "apps", "worker", ".letsgo"), { recursive: true, force: true }); // a first start: nothing cached
    const paths = workerPaths(dir);
    let told!: (count: number) => void;
    const counted = new Promise<number>((resolve) => (told = resolve));
    const code = new WorkerCode({ paths, entry: paths.entry, outDir, typecheck: false, onWarnings: () => {}, onTypesChecked: () => {}, onUncheckedAtStart: (count) => told(count) });
    try {
      // Synchronous: nothing is awaited, so the types cannot have been read yet.
      assert.equal(code.intakeSchemas(), undefined);
      assert.equal(code.intakeSchemas(), undefined);
      const count = await Promise.race([counted, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the types were not read within 90 s")), 90_000).unref())]);
      assert.equal(count, 2);
      const schemas = code.intakeSchemas();
      assert.ok(schemas && Object.hasOwn(schemas.messages, "OrderNew"), "checks against the project's types once read");
    } finally {
      code.close();
      await rm(dir, { recursive: true, force: true });
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
