/**
 * What `npm pack` (and so a git install, which runs the same `prepare`) ships
 * from a clean checkout: the compiled CLI, runtime and queue library, and the
 * templates, though dist/ is not in git.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, tempDir } from "./support/cli.ts";

const run = promisify(execFile);

describe("Package: npm pack of a clean checkout", { timeout: 240_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir("letsgo-pack-"));
    // The files git would check out (tracked, and new ones not ignored): no dist/.
    const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    for (const file of stdout.split("\0").filter((f) => f !== "" && !f.startsWith("examples/"))) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await cp(path.join(REPO_ROOT, file), path.join(dir, file)).catch(() => {}); // deleted in the work tree but not yet in git
    }
    await symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  });
  after(() => cleanup());

  it("builds dist/ in prepare and ships the CLI, the runtime, the queue library and the templates", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout.slice(stdout.indexOf("[\n"))) as Array<{ files: Array<{ path: string }> }>;
    const files = report[0]!.files.map((f) => f.path);
    for (const needed of ["bin/letsgo-worker.js", "dist/cli/main.js", "dist/runtime/index.js", "dist/runtime/index.d.ts", "dist/queue/index.js", "templates/init/packages/queue/index.ts", "dashboard/index.html", "dashboard/app.js", "dashboard/style.css", "dist/dev/payloadSchemaProcess.js"]) {
      assert.ok(files.includes(needed), `${needed} is not in the package`);
    }
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "sources and tests stay out");
  });
});
