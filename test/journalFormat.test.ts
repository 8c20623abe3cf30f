/** The journal's record format and its checksum (pure: src/dev/journalFormat.ts, src/dev/crc32c.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { crc32c, crc32cAscii } from "../src/dev/journal/crc32c.js";
import { encodeRecord, parseJournal } from "../src/dev/journal/journalFormat.js";
import type { QueueRecord } from "../src/dev/queue/queueRecords.js";
import { isQueueRecord } from "../src/dev/queue/queueRecordShape.js";

const records: QueueRecord[] = [
  { k: "e", id: "a", ty: "Order", b: '{"type":"Order","payload":{"note":"ünïcode ✓ \\n"}}', t: 1, v: 1 },
  { k: "r", ids: ["a"], t: 2, v: 3 },
  { k: "f", id: "a", err: "boom" },
  { k: "s", id: "b", ty: "T", b: "{}", t: 1, c: 2, fr: 1, v: 5, dead: 1, dt: 5, err: "x" },
  { k: "d", ids: ["a"] },
];

describe("Function: crc32c", () => {
  it("matches the published CRC32C check values", () => {
    assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa); // RFC 3720 B.4
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it("hashes a slice like the same bytes alone, and an ASCII string like its bytes", () => {
    const bytes = Buffer.from("xx123456789yy");
    assert.equal(crc32c(bytes, 2, 11), 0xe3069283);
    assert.equal(crc32cAscii("123456789"), 0xe3069283);
    const json = JSON.stringify({ k: "e", id: "a".repeat(100), b: "x" });
    assert.equal(crc32cAscii(json), crc32c(Buffer.from(json)));
  });
});

describe("Function: parseJournal", () => {
  it("reads back what encodeRecord wrote, one readable line per record", () => {
    const data = Buffer.from(records.map(encodeRecord).join(""));
    const text = data.toString("utf8");
    assert.equal(text.split("\n").length, records.length + 1);
    assert.match(text, /^\d+ [0-9a-f]{8} \{"k":"e"/);
    const loaded: QueueRecord[] = [];
    const parsed = parseJournal(data, isQueueRecord, (record) => loaded.push(record));
    assert.deepEqual(loaded, records);
    assert.equal(parsed.records, records.length);
    assert.deepEqual([parsed.bad, parsed.tornTail], [[], null]);
  });

  it("never loads changed data, whichever single bit of the file flips", () => {
    const data = Buffer.from(records.map(encodeRecord).join(""));
    const expected = records.map((r) => JSON.stringify(r));
    for (let at = 0; at < data.length; at++) {
      for (const bit of [0x01, 0x04, 0x20, 0x80]) {
        const damaged = Buffer.from(data);
        damaged[at]! ^= bit;
        const loaded: string[] = [];
        const parsed = parseJournal(damaged, isQueueRecord, (record) => loaded.push(JSON.stringify(record)));
        // Whatever loads is one of the original records, in the original order, each at most once.
        let next = 0;
        for (const record of loaded) {
          const found = expected.indexOf(record, next);
          assert.ok(found >= 0, `byte ${at} ^ ${bit}: loaded a record that was never written: ${record}`);
          next = found + 1;
        }
        // At most the record holding the flipped byte is lost, and then it is reported.
        assert.ok(loaded.length >= records.length - 1, `byte ${at} ^ ${bit}: lost more than one record`);
        if (loaded.length < records.length) assert.ok(parsed.bad.length > 0 || parsed.tornTail, `byte ${at} ^ ${bit}: a lost record is reported`);
      }
    }
  });
});
