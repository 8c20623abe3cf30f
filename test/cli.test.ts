import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT, runCli } from "./support/cli.ts";
import { SETTING_KEYS } from "../src/project/settings.ts";

describe("CLI conventions", () => {
  it("--help lists the commands on stdout and exits 0", async () => {
    const result = await runCli(["--help"]);
    assert.equal(result.code, 0);
    for (const command of ["init", "add-message", "list-messages", "keys", "stripe", "schedule"]) {
      assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });

  it("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8"));
    const result = await runCli(["--version"]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), pkg.version);
  });

  it("an unknown command or option is a usage error: exit 2, message on stderr, nothing on stdout", async () => {
    for (const args of [["frobnicate"], ["init", "--no-such-flag"]]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /error: unknown/);
    }
  });

  it("a failing command reports on stderr with exit 1 and no stack trace", async () => {
    const result = await runCli(["list-messages", "--cwd", path.join(REPO_ROOT, "no-such-project")]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*Run `letsgo-worker init` first\.\n$/);
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
  });

  it("the README names every setting and the two set-up commands", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    for (const key of SETTING_KEYS) assert.ok(readme.includes(`\`${key}\``), `README does not document ${key}`);
    assert.match(readme, /npm install && npm start/);
    assert.match(readme, /^npm test\b/m);
  });
});

describe("AWS commands on Node 20", () => {
  it("print no AWS SDK 'Node 22 from 2027' banner", async () => {
    const result = await runCli(["status", "--cwd", path.join(REPO_ROOT, "examples", "shop")], {
      // A closed port: the command loads the SDK, builds its clients and fails to reach AWS.
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Could not reach AWS/);
    assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning|require node >=22/);
  });
});
