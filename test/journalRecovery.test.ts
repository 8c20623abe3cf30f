/**
 * Recovery of a damaged journal at start (src/dev/journalRecovery.ts), as a
 * table: each case damages a real journal file one way and says exactly which
 * messages survive, what is quarantined (offset, length, why) and what is
 * reported; then the quarantine file must hold the skipped bytes exactly, and
 * a second start must find a clean journal with the same messages.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/dev/journal/journal.js";
import { encodeJson, encodeRecord } from "../src/dev/journal/journalFormat.js";
import { crc32c } from "../src/dev/journal/crc32c.js";
import { MessageQueue } from "../src/dev/queue/messageQueue.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "journal-recovery-"));
  file = path.join(dir, "queue.journal");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const IDS = ["m0", "m1", "m2", "m3", "m4"];
const enqueue = (id: string): QueueRecord => ({ k: "e", id, ty: "Order", b: JSON.stringify({ type: "Order", payload: { id, note: "ünïcode ✓" } }), t: 1000, v: 1000 });

/** The five records as the journal writes them, and where each line starts. */
function intact(): { data: Buffer; lines: Array<{ offset: number; length: number }> } {
  const frames = IDS.map((id) => Buffer.from(encodeRecord(enqueue(id))));
  let offset = 0;
  const lines = frames.map((frame) => {
    const line = { offset, length: frame.length };
    offset += frame.length;
    return line;
  });
  return { data: Buffer.concat(frames), lines };
}

/** The same records in the format before checksums (plain JSON lines). */
function legacy(): Buffer {
  return Buffer.from(IDS.map((id) => JSON.stringify(enqueue(id)) + "\n").join(""));
}

function flip(data: Buffer, at: number, to?: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = to ?? (copy[at]! ^ 0x01);
  return copy;
}

function insert(data: Buffer, at: number, bytes: Buffer | string): Buffer {
  return Buffer.concat([data.subarray(0, at), Buffer.from(bytes), data.subarray(at)]);
}

interface Expected {
  survive: string[];
  /** [offset, bytes, reason pattern] of each quarantined line. */
  quarantined?: Array<[number, number, RegExp]>;
  tornTailBytes?: number;
  legacyRecords?: number;
}

interface Case {
  name: string;
  damage: () => Buffer;
  expect: Expected;
}

const { data, lines } = intact();
const L = lines;
const garbage = "this line is not a record\n";
const framedWrongShape = Buffer.from(encodeJson(JSON.stringify({ k: "e", id: 5, ty: "Order" })));
const framedUnknownKind = Buffer.from(encodeJson(JSON.stringify({ k: "z", id: "m9" })));
const framedBadIds = Buffer.from(encodeRecord({ k: "r", ids: "m1", t: 1, v: 2 } as unknown as QueueRecord));
const invalidJson = Buffer.from('{"k":"e",');
const framedInvalidJson = Buffer.concat([Buffer.from(`${invalidJson.length} ${crc32c(invalidJson).toString(16).padStart(8, "0")} `), invalidJson, Buffer.from("\n")]);
const all = IDS;
const without = (...ids: string[]) => IDS.filter((id) => !ids.includes(id));

const CASES: Case[] = [
  { name: "an intact journal", damage: () => data, expect: { survive: all } },
  { name: "an empty file", damage: () => Buffer.alloc(0), expect: { survive: [] } },
  ...L.map((line, k) => ({
    name: `cut at the record boundary before record ${k}`,
    damage: () => data.subarray(0, line.offset),
    expect: { survive: IDS.slice(0, k) },
  })),
  ...L.flatMap((line, k) =>
    (
      [
        ["in its header", 2],
        ["in its checksum", String(line.length).length + 4],
        ["in its JSON", Math.floor(line.length / 2)],
        ["just before its newline", line.length - 1],
      ] as const
    ).map(([where, cut]) => ({
      name: `cut ${where} of record ${k}`,
      damage: () => data.subarray(0, line.offset + cut),
      expect: { survive: IDS.slice(0, k), tornTailBytes: cut },
    })),
  ),
  {
    name: "a flipped digit in the length of a middle record",
    damage: () => flip(data, L[2]!.offset),
    expect: { survive: without("m2"), quarantined: [[L[2]!.offset, L[2]!.length, /checksum mismatch|past the end/]] },
  },
  {
    name: "a length made far too long in a middle record",
    damage: () => Buffer.concat([data.subarray(0, L[2]!.offset), Buffer.from("9"), data.subarray(L[2]!.offset)]),
    expect: { survive: without("m2"), quarantined: [[L[2]!.offset, L[2]!.length + 1, /past the end of the file|checksum/]] },
  },
  {
    name: "a flipped hex digit in the checksum of a middle record",
    damage: () => flip(data, L[2]!.offset + String(L[2]!.length).length + 3, "0".charCodeAt(0) === data[L[2]!.offset + String(L[2]!.length).length + 3] ? 0x31 : 0x30),
    expect: { survive: without("m2"), quarantined: [[L[2]!.offset, L[2]!.length, /checksum mismatch/]] },
  },
  {
    name: "a checksum digit made non-hex",
    damage: () => flip(data, L[1]!.offset + String(L[1]!.length).length + 2, "Z".charCodeAt(0)),
    expect: { survive: without("m1"), quarantined: [[L[1]!.offset, L[1]!.length, /not a journal record/]] },
  },
  {
    name: "a flipped bit in the JSON of a middle record",
    damage: () => flip(data, L[2]!.offset + 40),
    expect: { survive: without("m2"), quarantined: [[L[2]!.offset, L[2]!.length, /checksum mismatch/]] },
  },
  {
    name: "a flipped bit in the JSON of the last record (a whole line: quarantined, not cut)",
    damage: () => flip(data, L[4]!.offset + 40),
    expect: { survive: without("m4"), quarantined: [[L[4]!.offset, L[4]!.length, /checksum mismatch/]] },
  },
  {
    name: "a flipped bit in the first record",
    damage: () => flip(data, L[0]!.offset + 30),
    expect: { survive: without("m0"), quarantined: [[0, L[0]!.length, /checksum mismatch/]] },
  },
  {
    name: "a newline damaged into another byte (the checksum vouches for both records)",
    damage: () => flip(data, L[2]!.offset + L[2]!.length - 1, "x".charCodeAt(0)),
    expect: { survive: all },
  },
  {
    name: "a byte in a record's JSON turned into a newline (two damaged lines)",
    damage: () => flip(data, L[3]!.offset + 40, 0x0a),
    expect: {
      survive: without("m3"),
      quarantined: [
        [L[3]!.offset, 41, /checksum mismatch/],
        [L[3]!.offset + 41, L[3]!.length - 41, /not a journal record/],
      ],
    },
  },
  {
    name: "two damaged records far apart",
    damage: () => flip(flip(data, L[1]!.offset + 30), L[3]!.offset + 30),
    expect: {
      survive: without("m1", "m3"),
      quarantined: [
        [L[1]!.offset, L[1]!.length, /checksum/],
        [L[3]!.offset, L[3]!.length, /checksum/],
      ],
    },
  },
  {
    name: "a garbage line inserted in the middle",
    damage: () => insert(data, L[2]!.offset, garbage),
    expect: { survive: all, quarantined: [[L[2]!.offset, garbage.length, /not a journal record/]] },
  },
  {
    name: "a line of NUL bytes in the middle (a power cut on some file systems)",
    damage: () => insert(data, L[3]!.offset, Buffer.concat([Buffer.alloc(512), Buffer.from("\n")])),
    expect: { survive: all, quarantined: [[L[3]!.offset, 513, /not a journal record/]] },
  },
  {
    name: "garbage without a newline at the end",
    damage: () => Buffer.concat([data, Buffer.from("\0\0\0partial")]),
    expect: { survive: all, tornTailBytes: 10 },
  },
  {
    name: "blank lines between records",
    damage: () => insert(data, L[1]!.offset, "\n\n\n"),
    expect: { survive: all },
  },
  {
    name: "a well-framed record of the wrong shape (would load a phantom message)",
    damage: () => insert(data, L[1]!.offset, framedWrongShape),
    expect: { survive: all, quarantined: [[L[1]!.offset, framedWrongShape.length, /wrong shape/]] },
  },
  {
    name: "a well-framed record of an unknown kind",
    damage: () => insert(data, L[4]!.offset, framedUnknownKind),
    expect: { survive: all, quarantined: [[L[4]!.offset, framedUnknownKind.length, /wrong shape/]] },
  },
  {
    name: "a well-framed receive whose ids are not a list (would crash replay)",
    damage: () => insert(data, L[2]!.offset, framedBadIds),
    expect: { survive: all, quarantined: [[L[2]!.offset, framedBadIds.length, /wrong shape/]] },
  },
  {
    name: "a well-framed record whose JSON is invalid (checksum computed over it)",
    damage: () => insert(data, L[1]!.offset, framedInvalidJson),
    expect: { survive: all, quarantined: [[L[1]!.offset, framedInvalidJson.length, /invalid JSON/]] },
  },
  { name: "an old journal (plain JSON lines)", damage: legacy, expect: { survive: all, legacyRecords: 5 } },
  {
    name: "an old journal with a torn last line",
    damage: () => legacy().subarray(0, legacy().length - 20),
    expect: { survive: without("m4"), legacyRecords: 4, tornTailBytes: legacy().length - 20 - legacy().indexOf(JSON.stringify(enqueue("m4"))) },
  },
  {
    name: "an old journal with invalid JSON in the middle",
    damage: () => {
      const text = legacy().toString();
      const at = text.indexOf(JSON.stringify(enqueue("m2")));
      return Buffer.from(text.slice(0, at) + '{"k":"e","id":\n' + text.slice(at));
    },
    expect: { survive: all, legacyRecords: 5, quarantined: [[legacyOffset("m2"), 15, /invalid JSON/]] },
  },
  {
    name: "an old journal with a line of the wrong shape (phantom message)",
    damage: () => {
      const text = legacy().toString();
      const at = text.indexOf(JSON.stringify(enqueue("m3")));
      return Buffer.from(text.slice(0, at) + '{"k":"e"}\n' + text.slice(at));
    },
    expect: { survive: all, legacyRecords: 5, quarantined: [[legacyOffset("m3"), 10, /wrong shape/]] },
  },
  {
    name: "an old journal appended in the new format",
    damage: () => Buffer.concat([legacy().subarray(0, legacyOffset("m3")), Buffer.from(encodeRecord(enqueue("m3")) + encodeRecord(enqueue("m4")))]),
    expect: { survive: all, legacyRecords: 3 },
  },
];

function legacyOffset(id: string): number {
  return legacy().indexOf(JSON.stringify(enqueue(id)));
}

async function start(): Promise<{ ids: string[]; replay: Awaited<ReturnType<typeof Journal.open<QueueRecord>>>["replay"] }> {
  const queue = new MessageQueue({ visibilityTimeoutMs: 1000, maxReceiveCount: 3 });
  const ids: string[] = [];
  const { journal, replay } = await Journal.open({ file, isRecord: isQueueRecord }, (record) => {
    queue.apply(record);
    if (record.k === "e") ids.push(record.id);
  });
  await journal.close();
  assert.deepEqual(ids.filter((id) => queue.get(id)), ids, "every loaded message is in the queue");
  return { ids, replay };
}

describe("Journal recovery: what survives each kind of damage", () => {
  for (const { name, damage, expect } of CASES) {
    it(name, async () => {
      // Prepare
      const damaged = damage();
      await writeFile(file, damaged);

      // Act
      const { ids, replay } = await start();

      // Assess
      assert.deepEqual(ids, expect.survive, "surviving messages");
      assert.equal(replay.records, expect.survive.length);
      assert.equal(replay.tornTailBytes, expect.tornTailBytes ?? 0, "torn tail bytes");
      assert.equal(replay.tornTail, (expect.tornTailBytes ?? 0) > 0);
      assert.equal(replay.legacyRecords, expect.legacyRecords ?? 0, "records in the old format");
      const quarantined = expect.quarantined ?? [];
      assert.deepEqual(
        replay.quarantined.map((q) => [q.offset, q.bytes]),
        quarantined.map(([offset, bytes]) => [offset, bytes]),
        "quarantined lines",
      );
      quarantined.forEach(([, , reason], i) => assert.match(replay.quarantined[i]!.reason, reason));
      assert.equal(replay.rewritten, quarantined.length > 0 || (expect.legacyRecords ?? 0) > 0);

      const quarantineFiles = (await readdir(dir)).filter((name) => name.startsWith("queue.journal.quarantine."));
      if (quarantined.length === 0) {
        assert.equal(replay.quarantineFile, null);
        assert.deepEqual(quarantineFiles, []);
      } else {
        assert.equal(path.dirname(replay.quarantineFile!), dir);
        assert.deepEqual(quarantineFiles, [path.basename(replay.quarantineFile!)]);
        const [header, ...entries] = (await readFile(replay.quarantineFile!, "utf8")).trimEnd().split("\n").map((line) => JSON.parse(line));
        assert.equal(header.journal, file);
        assert.equal(header.lines, quarantined.length);
        for (const [i, entry] of entries.entries()) {
          const bytes = entry.text !== undefined ? Buffer.from(entry.text, "utf8") : Buffer.from(entry.base64, "base64");
          assert.deepEqual(bytes, damaged.subarray(entry.offset, entry.offset + entry.bytes), `quarantined line ${i} holds the skipped bytes`);
        }
      }

      // A second start finds a clean journal in the current format, with the same messages.
      const again = await start();
      assert.deepEqual(again.ids, expect.survive);
      assert.deepEqual(
        { torn: again.replay.tornTail, quarantined: again.replay.quarantined, legacy: again.replay.legacyRecords, rewritten: again.replay.rewritten },
        { torn: false, quarantined: [], legacy: 0, rewritten: false },
      );
      const text = await readFile(file, "utf8");
      for (const line of text.split("\n").filter(Boolean)) assert.match(line, /^\d+ [0-9a-f]{8} \{/);
    });
  }
});
