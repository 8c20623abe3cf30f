/**
 * What `npm pack` ships from a clean checkout: the compiled CLI, runtime and
 * queue library, and the templates, though dist/ is not in git; a manifest
 * without scripts; and a CLI that runs from the tarball. (A git install runs
 * `prepare`, the same build.)
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, readFile, symlink } from "node:fs/promises";
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

  it("builds dist/ as it packs and ships the CLI, the runtime, the queue library and the templates, with a manifest that runs nothing at install", async () => {
    const manifestBefore = await readFile(path.join(dir, "package.json"));
    const out = path.join(dir, ".packed");
    await mkdir(out);
    const packed = await run("npm", ["pack", "--json", "--pack-destination", out], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[\n"))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = report[0]!.files.map((f) => f.path);
    for (const needed of ["bin/letsgo-worker.js", "dist/cli/main.js", "dist/runtime/index.js", "dist/runtime/index.d.ts", "dist/runtime/host.js", "dist/runtime/host.d.ts", "dist/queue/index.js", "templates/init/packages/queue/index.ts", "dashboard/index.html", "dashboard/app.js", "dashboard/api.js", "dashboard/dom.js", "dashboard/views/story.js", "dashboard/style.css", "dist/dev/types/payloadSchemaProcess.js", "dist/dev/pool/child.js"]) {
      assert.ok(files.includes(needed), `${needed} is not in the package`);
    }
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("scripts/")), "sources, tests and build scripts stay out");
    assert.ok(!files.some((f) => /\.tsbuildinfo$|\.build-stamp$/.test(f)), "build bookkeeping stays out");

    // The shipped manifest: no scripts (a prepare that builds from src/ cannot run without src/), no devDependencies.
    await run("tar", ["xzf", path.join(out, report[0]!.filename), "-C", out]);
    const shipped = JSON.parse(await readFile(path.join(out, "package", "package.json"), "utf8"));
    assert.equal(shipped.scripts, undefined);
    assert.equal(shipped.devDependencies, undefined);
    assert.deepEqual(shipped.dependencies, JSON.parse(manifestBefore.toString("utf8")).dependencies);
    assert.deepEqual(await readFile(path.join(dir, "package.json")), manifestBefore, "the checkout's package.json is put back byte for byte");

    // What a user gets from the tarball runs (its dependencies as an install would place them).
    await symlink(path.join(REPO_ROOT, "node_modules"), path.join(out, "package", "node_modules"), "dir");
    const version = await run(process.execPath, [path.join(out, "package", "bin", "letsgo-worker.js"), "--version"]);
    assert.equal(version.stdout.trim(), shipped.version);
    const project = path.join(out, "app");
    await run(process.execPath, [path.join(out, "package", "bin", "letsgo-worker.js"), "init", "--yes", "--no-keys", project]);
    assert.ok((await readFile(path.join(project, "apps", "worker", "src", "index.ts"), "utf8")).includes("createWorkerHandler"));

    // Nothing changed since: the next build compiles nothing.
    const again = await run("npm", ["run", "build"], { cwd: dir });
    assert.match(again.stderr, /dist\/ is up to date/);
  });
});
