/**
 * dev's source watcher on real folders: it reports a file when its content
 * changed, never a temporary file, a save that changes nothing or a touch; it
 * follows the folders of the module graph it is given (not node_modules), and
 * stops following a folder the graph left. No sleeps: each test ends on a real
 * change, and what was reported before it is all that was reported.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { watchFile, watchSources, type SourceWatcher } from "../src/dev/reload/watch.js";

const releases: Array<() => unknown> = [];
afterEach(async () => {
  for (const release of releases.splice(0).reverse()) await release();
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-watch-"));
  releases.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

/** Every burst reported, and a wait (bounded) for the first that names `file`. */
function recorder() {
  const bursts: string[][] = [];
  const waiters: Array<{ file: string; resolve: () => void }> = [];
  return {
    bursts,
    onChange(files: string[]) {
      bursts.push(files);
      for (const waiter of [...waiters]) if (files.includes(waiter.file)) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve();
    },
    until(file: string, ms = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no change reported for ${file} within ${ms} ms; reported: ${JSON.stringify(bursts)}`)), ms);
        waiters.push({ file, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

function start(roots: string[], onChange: (files: string[]) => void): SourceWatcher {
  const watcher = watchSources({ roots, onChange, debounceMs: 30 });
  releases.push(() => watcher.close());
  return watcher;
}

describe("Function: watchSources", () => {
  it("reports a changed file under a root, not temporary files, unchanged saves, touches or our own atomic write of the same content", async () => {
    // Prepare
    const dir = await project({ "src/index.ts": "export const a = 1;\n", "src/handlers/x.ts": "export {};\n" });
    const index = path.join(dir, "src/index.ts");
    const seen = recorder();
    await start([path.join(dir, "src")], seen.onChange).ready;
    // Act
    await writeFile(path.join(dir, "src/foo.tmp"), "draft");
    await writeFile(path.join(dir, "src/.#index.ts"), "lock");
    await writeFile(path.join(dir, "src/index.ts~"), "backup");
    await writeFile(path.join(dir, "src/4913"), "");
    await writeFile(index, "export const a = 1;\n");
    await utimes(index, new Date(), new Date(Date.now() + 5_000));
    await writeFile(`${index}.letsgo-31238.tmp`, "export const a = 1;\n");
    await rename(`${index}.letsgo-31238.tmp`, index);
    const handler = path.join(dir, "src/handlers/x.ts");
    const reported = seen.until(handler);
    await writeFile(handler, "export const changed = true;\n");
    await reported;
    // Assess
    assert.deepEqual(seen.bursts, [[handler]]);
  });

  it("follows the module graph's folders outside the roots, never node_modules, and lets go of a folder the graph left", async () => {
    // Prepare
    const dir = await project({
      "apps/worker/src/index.ts": "",
      "packages/shared/index.ts": "export const v = 1;\n",
      "packages/shared/README.md": "# shared\n",
      "packages/other/index.ts": "export const w = 1;\n",
      "node_modules/dep/index.js": "module.exports = 1;\n",
    });
    const file = (name: string) => path.join(dir, name);
    const seen = recorder();
    const watcher = start([file("apps/worker/src")], seen.onChange);
    await watcher.ready;
    watcher.follow([file("apps/worker/src/index.ts"), file("packages/shared/index.ts"), file("node_modules/dep/index.js")]);

    // Act: a change in the followed package
    const shared = seen.until(file("packages/shared/index.ts"));
    await writeFile(file("node_modules/dep/index.js"), "module.exports = 2;\n");
    await writeFile(file("packages/shared/README.md"), "# not code\n");
    await writeFile(file("packages/shared/index.ts"), "export const v = 2;\n");
    await shared;
    // Assess
    assert.deepEqual(seen.bursts, [[file("packages/shared/index.ts")]]);

    // Act: the code now loads packages/other instead
    watcher.follow([file("apps/worker/src/index.ts"), file("packages/other/index.ts")]);
    const other = seen.until(file("packages/other/index.ts"));
    await writeFile(file("packages/shared/index.ts"), "export const v = 3;\n");
    await writeFile(file("packages/other/index.ts"), "export const w = 2;\n");
    await other;
    // Assess
    assert.deepEqual(seen.bursts.at(-1), [file("packages/other/index.ts")]);
    assert.equal(seen.bursts.length, 2, "packages/shared is no longer watched");
  });

  it("reports a new module in a followed folder, and no file gone by the end of the burst", async () => {
    const dir = await project({ "src/index.ts": "", "packages/shared/index.ts": "export {};\n" });
    const seen = recorder();
    const watcher = start([path.join(dir, "src")], seen.onChange);
    await watcher.ready;
    watcher.follow([path.join(dir, "packages/shared/index.ts")]);
    const added = path.join(dir, "packages/shared/extra.ts");
    const reported = seen.until(added);
    await writeFile(path.join(dir, "packages/shared/gone.ts"), "export {};\n");
    await rm(path.join(dir, "packages/shared/gone.ts"));
    await writeFile(added, "export const extra = 1;\n");
    await reported;
    assert.deepEqual(seen.bursts, [[added]]);
  });
});

describe("Function: watchFile", () => {
  it("reports the file when its content changes, whether written in place or renamed over it, and not when saved unchanged", async () => {
    // Prepare
    const dir = await project({ ".env": "A=1\n" });
    const env = path.join(dir, ".env");
    let calls = 0;
    let changed!: () => void;
    const watcher = watchFile(env, () => (calls++, changed()), 30);
    releases.push(() => watcher.close());
    // Act
    const first = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no change reported within 10 s")), 10_000);
      changed = () => (clearTimeout(timer), resolve());
    });
    await writeFile(env, "A=1\n");
    await writeFile(path.join(dir, ".env.letsgo-1.tmp"), "A=2\n");
    await rename(path.join(dir, ".env.letsgo-1.tmp"), env);
    await first;
    // Assess
    assert.equal(calls, 1);
  });
});
