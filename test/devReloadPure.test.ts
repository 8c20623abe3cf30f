/**
 * The pure parts of dev's reloads: which names are temporary files, which
 * loaded modules are the project's files, and what an edit of apps/worker/.env
 * applies live or leaves for a restart.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { defaultSettings, type Settings } from "../src/project/settings.ts";
import { moduleFile } from "../src/dev/reload/moduleGraph.js";
import { applyLive, needsRestart, settingsChanges, type SettingsRead } from "../src/dev/reload/settingsChanges.js";
import { isTemporaryFile } from "../src/dev/reload/temporaryFiles.js";

describe("Function: isTemporaryFile", () => {
  const temporary = [
    "index.ts.letsgo-31238.tmp",
    ".env.letsgo-31238.tmp",
    "foo.tmp",
    "foo.TEMP",
    "index.ts~",
    ".#index.ts",
    "#index.ts#",
    ".index.ts.swp",
    ".index.ts.swo",
    ".index.ts.swx",
    "4913",
    "index.ts___jb_tmp___",
    "index.ts___jb_old___",
    ".index.ts.kate-swp",
    "index.ts.crswap",
    ".goutputstream-XK2Q1",
    ".DS_Store",
    "/project/packages/shared/.#index.ts",
  ];
  for (const name of temporary) {
    it(`${name} is temporary`, () => assert.equal(isTemporaryFile(name), true));
  }
  const real = ["index.ts", ".env", "swap.ts", "tmp.ts", "temp/index.ts", "49130.ts", "handlers/#hash.ts", "/project/packages/shared/index.ts"];
  for (const name of real) {
    it(`${name} is not`, () => assert.equal(isTemporaryFile(name), false));
  }
});

describe("Function: moduleFile", () => {
  const tool = [path.join("/tool", "src") + path.sep, path.join("/tool", "dist") + path.sep];

  it("keeps the project's files, other workspace packages included", () => {
    assert.equal(moduleFile("/project/packages/shared/index.ts", tool), "/project/packages/shared/index.ts");
    assert.equal(moduleFile("/tool/examples/shop/apps/worker/src/index.ts", tool), "/tool/examples/shop/apps/worker/src/index.ts");
  });

  it("leaves out node_modules, this tool's own code, and what is not an absolute path", () => {
    assert.equal(moduleFile("/project/node_modules/dep/index.js", tool), undefined);
    assert.equal(moduleFile("/project/node_modules/.pnpm/dep@1/node_modules/dep/index.js", tool), undefined);
    assert.equal(moduleFile("/tool/src/runtime/index.ts", tool), undefined);
    assert.equal(moduleFile("/tool/dist/runtime/index.js", tool), undefined);
    assert.equal(moduleFile("letsgo-worker-entry.mjs", tool), undefined);
    assert.equal(moduleFile("node:fs", tool), undefined);
  });
});

describe("Function: settingsChanges", () => {
  const read = (settings: Partial<Settings>, extra: Record<string, string> = {}): SettingsRead => ({ settings: { ...defaultSettings(), ...settings }, extra });

  it("applies the handler's settings and the user's own variables, and names deploy settings for a restart", () => {
    // Prepare
    const running = defaultSettings();
    const previous = read({}, { MY_VAR: "one", GONE: "x" });
    const next = read({ STRIPE_WEBHOOK_SECRET: "whsec_new", LETSGO_API_URL: "http://api.test", LETSGO_WORKER_BATCH_SIZE: 3 }, { MY_VAR: "two", NEW: "y" });
    // Act
    const change = settingsChanges(running, previous, next);
    // Assess
    assert.deepEqual(change, {
      applied: ["LETSGO_API_URL", "STRIPE_WEBHOOK_SECRET", "GONE", "MY_VAR", "NEW"],
      needsRestart: ["LETSGO_WORKER_BATCH_SIZE"],
    });
  });

  it("names a restart setting once, in the edit that changed it, and not when it went back to what dev runs with", () => {
    const running = defaultSettings();
    const edited = read({ LETSGO_WORKER_CONCURRENCY: 9 });
    assert.deepEqual(settingsChanges(running, read({}), edited).needsRestart, ["LETSGO_WORKER_CONCURRENCY"]);
    assert.deepEqual(settingsChanges(running, edited, read({ LETSGO_WORKER_CONCURRENCY: 9 }, { MY_VAR: "1" })), { applied: ["MY_VAR"], needsRestart: [] });
    assert.deepEqual(settingsChanges(running, edited, read({})), { applied: [], needsRestart: [] });
  });

  it("takes a restart for every deploy setting and LETSGO_DEPLOYMENT, and for none of the handler's settings", () => {
    for (const key of ["LETSGO_LOCAL_QUEUE_URL", "LETSGO_WORKER_VISIBILITY_TIMEOUT", "LETSGO_WORKER_SCHEDULE", "LETSGO_WORKER_FUNCTION_TIMEOUT", "LETSGO_DEPLOYMENT"]) {
      assert.equal(needsRestart(key), true, key);
    }
    for (const key of ["STRIPE_WEBHOOK_SECRET", "SLACK_WEBHOOK_URL", "LETSGO_API_URL", "LETSGO_API_AUDIENCE", "LETSGO_WORKER_PRIVATE_KEY", "MY_OWN_VARIABLE"]) {
      assert.equal(needsRestart(key), false, key);
    }
  });
});

describe("Function: applyLive", () => {
  it("updates the running settings in place with the applied keys only", () => {
    // Prepare
    const running = defaultSettings();
    const next = { ...defaultSettings(), STRIPE_WEBHOOK_SECRET: "whsec_new", LETSGO_WORKER_BATCH_SIZE: 3 };
    // Act
    applyLive(running, next, ["STRIPE_WEBHOOK_SECRET", "LETSGO_WORKER_BATCH_SIZE", "MY_VAR"]);
    // Assess
    assert.equal(running.STRIPE_WEBHOOK_SECRET, "whsec_new");
    assert.equal(running.LETSGO_WORKER_BATCH_SIZE, 10, "a deploy setting waits for a restart");
    assert.equal("MY_VAR" in running, false);
  });
});
