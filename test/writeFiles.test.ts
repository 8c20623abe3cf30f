import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describeChange, writeFilesAtomically } from "../src/project/writeFiles.ts";
import { tempDir } from "./support/cli.ts";

describe("Function: writeFilesAtomically", () => {
  it("writes new and changed files", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(path.join(dir, "a.ts"), "old a");
      await writeFilesAtomically([
        { path: path.join(dir, "a.ts"), before: "old a", after: "new a" },
        { path: path.join(dir, "sub", "b.ts"), before: undefined, after: "new b" },
      ]);
      assert.equal(await readFile(path.join(dir, "a.ts"), "utf8"), "new a");
      assert.equal(await readFile(path.join(dir, "sub", "b.ts"), "utf8"), "new b");
    } finally {
      await cleanup();
    }
  });

  it("puts every file back when a later one cannot be written", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(path.join(dir, "a.ts"), "old a");
      // A non-empty directory where the third file should go: its rename fails.
      await mkdir(path.join(dir, "c.ts", "inside"), { recursive: true });
      await assert.rejects(
        writeFilesAtomically([
          { path: path.join(dir, "a.ts"), before: "old a", after: "new a" },
          { path: path.join(dir, "b.ts"), before: undefined, after: "new b" },
          { path: path.join(dir, "c.ts"), before: "", after: "new c" },
        ]),
      );
      assert.equal(await readFile(path.join(dir, "a.ts"), "utf8"), "old a");
      assert.deepEqual((await readdir(dir)).sort(), ["a.ts", "c.ts"], "no new file and no temp file left behind");
    } finally {
      await cleanup();
    }
  });
});

describe("Function: describeChange", () => {
  it("shows only the added and removed lines with their numbers", () => {
    const text = describeChange({ path: "/p/x.ts", before: "a\nb\nc\n", after: "a\nB\nb\nc\nd\n" }, "/p");
    assert.equal(text, ["modify x.ts", "     2 + B", "     5 + d"].join("\n"));
  });
});
