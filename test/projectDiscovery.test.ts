/**
 * Commands find their project from anywhere inside it, as git does; the scripts
 * init writes work from the root with -w and from inside apps/worker; output
 * piped into `head` ends quietly; `keys show` prints the JWKS in use.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { findProjectRoot } from "../src/project/findProject.ts";
import { CLI, runCli, tempDir } from "./support/cli.ts";

describe("Function: findProjectRoot", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir("letsgo-find-"));
    assert.equal((await runCli(["init", "--yes", "--no-keys", dir])).code, 0);
  });
  after(() => cleanup());

  it("finds the folder holding apps/worker from the root, from inside apps/worker and from deeper", () => {
    for (const start of [dir, path.join(dir, "apps"), path.join(dir, "apps", "worker"), path.join(dir, "apps", "worker", "src", "handlers"), path.join(dir, "packages", "types")]) {
      assert.equal(findProjectRoot(start), dir, start);
    }
  });

  it("finds nothing outside a project", () => {
    assert.equal(findProjectRoot(path.parse(dir).root), undefined);
  });

  it("runs commands from inside apps/worker and its subfolders, never reaching for a nested apps/worker", async () => {
    for (const cwd of [path.join(dir, "apps", "worker"), path.join(dir, "apps", "worker", "src", "handlers")]) {
      const result = await runCli(["list-messages", "--json"], { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.ok((JSON.parse(result.stdout) as Array<{ type: string }>).some((t) => t.type === "letsgo:stripe"));
    }
    const viaFlag = await runCli(["list-messages", "--json", "--cwd", path.join(dir, "apps", "worker", "src")]);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
  });

  it("runs the script init writes in apps/worker/package.json the way npm runs it there", async () => {
    const scripts = JSON.parse(await readFile(path.join(dir, "apps", "worker", "package.json"), "utf8")).scripts as Record<string, string>;
    assert.match(scripts.dev!, /^letsgo-worker dev/);
    // npm runs a workspace script with the workspace folder as its directory.
    const result = await runCli(["schedule", "--json"], { cwd: path.join(dir, "apps", "worker") });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).expression, "rate(1 hour)");
  });

  it("prints the public JWKS of the key in use with keys show, the same generate printed", async () => {
    const generated = await runCli(["keys", "generate", "--json", "--cwd", dir]);
    assert.equal(generated.code, 0, generated.stderr);
    const shown = await runCli(["keys", "show", "--json"], { cwd: path.join(dir, "apps", "worker") });
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).jwks, JSON.parse(generated.stdout).jwks);
    assert.doesNotMatch(shown.stdout, /"d"/, "never the private part");
  });

  it("ends quietly when the reader of its output goes away (| head)", async () => {
    // list-messages prints line by line: head has gone by the second line.
    const child = spawn("sh", ["-c", `"${process.execPath}" "${CLI}" list-messages --cwd "${dir}" | head -1 >/dev/null`], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
  });
});
