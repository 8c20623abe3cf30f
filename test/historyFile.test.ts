/**
 * history.json between starts (src/dev/history/historyFile.ts): appends of what
 * changed, a later line superseding an earlier one, a rewrite when the file
 * has grown, and a torn last line (a crash mid-append) not taken for damage.
 * Real files in a temporary directory.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HistoryWriter, readHistoryFile } from "../src/dev/history/historyFile.js";
import { MessageHistory } from "../src/dev/history/history.js";

type Entry = { id: string; v: number };
const isEntry = (value: unknown): value is Entry => typeof (value as Entry | null)?.id === "string";

async function withDir(run: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-history-file-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readAll(file: string) {
  const seen = new Map<string, Entry>();
  const read = await readHistoryFile(file, isEntry, (entry) => seen.set(entry.id, entry));
  return { ...read, entries: [...seen.values()] };
}

/** What the writer is told of the entries kept. */
const kept = (all: Entry[]) => ({ count: all.length, all: () => all });
const lineCount = async (file: string) => (await readFile(file, "utf8")).split("\n").filter(Boolean).length;

describe("Class: HistoryWriter", () => {
  it("writes the file whole first, then appends only what changed; a later line supersedes", async () => {
    await withDir(async (dir) => {
      const file = path.join(dir, "history.json");
      const writer = new HistoryWriter(file);
      const all = [{ id: "a", v: 1 }, { id: "b", v: 1 }, { id: "c", v: 1 }];
      await writer.write([], kept(all));
      assert.equal(await lineCount(file), 3);
      all[1] = { id: "b", v: 2 };
      await writer.write([all[1]], kept(all));
      assert.equal(await lineCount(file), 4, "one line appended, nothing rewritten");
      assert.deepEqual((await readAll(file)).entries, [{ id: "a", v: 1 }, { id: "b", v: 2 }, { id: "c", v: 1 }]);
      await writer.write([], kept(all), true);
      assert.equal(await lineCount(file), 3, "whole: one line an entry");
    });
  });

  it("rewrites the file once it holds more than twice the entries (plus slack)", async () => {
    await withDir(async (dir) => {
      const file = path.join(dir, "history.json");
      const writer = new HistoryWriter(file);
      const all = [{ id: "a", v: 0 }];
      await writer.write([], kept(all));
      let most = 0;
      for (let v = 1; v <= 1_100; v++) {
        all[0] = { id: "a", v };
        await writer.write([all[0]], kept(all));
        most = Math.max(most, await lineCount(file));
      }
      assert.ok(most <= 1_003, `the file stayed bounded (at most ${most} lines)`);
      assert.ok((await lineCount(file)) < 200, "it was rewritten");
      assert.deepEqual((await readAll(file)).entries, [{ id: "a", v: 1_100 }]);
    });
  });
});

describe("Function: readHistoryFile", () => {
  it("takes a torn last line (a crash mid-append) for an unfinished append, not damage; a bad line inside is damage", async () => {
    await withDir(async (dir) => {
      const file = path.join(dir, "history.json");
      const writer = new HistoryWriter(file);
      await writer.write([], kept([{ id: "a", v: 1 }, { id: "b", v: 1 }]));
      const whole = await readFile(file, "utf8");
      await appendFile(file, whole.split("\n")[0]!.slice(0, 20)); // cut short, no newline
      const torn = await readAll(file);
      assert.equal(torn.damaged, 0);
      assert.deepEqual(torn.entries, [{ id: "a", v: 1 }, { id: "b", v: 1 }]);
      await writeFile(file, whole.replace('"v":1', '"v":7')); // a flipped byte in the first line
      const flipped = await readAll(file);
      assert.equal(flipped.damaged, 1);
      assert.deepEqual(flipped.entries, [{ id: "b", v: 1 }]);
    });
  });
});

describe("Class: MessageHistory (on disk)", () => {
  it("keeps output that came after the attempt's outcome, across a restart", async () => {
    await withDir(async (dir) => {
      const file = path.join(dir, "history.json");
      const history = new MessageHistory({ file });
      await history.load();
      history.accepted({ id: "m1", type: "T", body: "{}", sentAt: Date.now() }, "send");
      history.output("req-1", "during", "stdout");
      history.attempt({ id: "m1", attempt: 1, requestId: "req-1", durationMs: 2 }, true);
      history.output("req-1", "after the outcome (the pipe may lag)", "stderr");
      await history.close();
      const again = new MessageHistory({ file });
      assert.equal(await again.load(), undefined, "no damage");
      assert.deepEqual(again.get("m1")!.attempts[0]!.output.map((o) => o.line), ["during", "after the outcome (the pipe may lag)"]);
      await again.close();
    });
  });
});
