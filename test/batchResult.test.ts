/**
 * judgeBatch: what Lambda's event source mapping (ReportBatchItemFailures on)
 * makes of a handler's result, as a table: result → which messages go back, and why.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { judgeBatch } from "../src/dev/delivery/batchResult.js";
import type { InvokeOutcome } from "../src/dev/pool/invoker.js";

const ids = ["a", "b", "c"];
const returned = (response: unknown, errors: Record<string, string> = {}): InvokeOutcome => ({ ok: true, response, errors, durationMs: 1 });

describe("Function: judgeBatch", () => {
  const cases: Array<[string, InvokeOutcome, Record<string, string>]> = [
    ["undefined (returns nothing)", returned(undefined), {}],
    ["null", returned(null), {}],
    ["a non-object", returned("done"), {}],
    ["{} (no batchItemFailures)", returned({}), {}],
    ["batchItemFailures: null", returned({ batchItemFailures: null }), {}],
    ["batchItemFailures: []", returned({ batchItemFailures: [] }), {}],
    ["one failure, with its logged error", returned({ batchItemFailures: [{ itemIdentifier: "b" }] }, { b: "Error: b broke" }), { b: "Error: b broke" }],
    ["one failure, no error known", returned({ batchItemFailures: [{ itemIdentifier: "c" }] }), { c: "reported in batchItemFailures" }],
    [
      "batchItemFailures not a list",
      returned({ batchItemFailures: "b" }),
      Object.fromEntries(ids.map((id) => [id, "the handler returned batchItemFailures that is not a list: the whole batch is retried"])),
    ],
    [
      "an entry without itemIdentifier",
      returned({ batchItemFailures: [{ itemIdentifier: "a" }, {}] }),
      Object.fromEntries(ids.map((id) => [id, "a batchItemFailures entry has an empty or missing itemIdentifier: the whole batch is retried"])),
    ],
    [
      "an empty itemIdentifier",
      returned({ batchItemFailures: [{ itemIdentifier: "" }] }),
      Object.fromEntries(ids.map((id) => [id, "a batchItemFailures entry has an empty or missing itemIdentifier: the whole batch is retried"])),
    ],
    [
      "an id not in the batch",
      returned({ batchItemFailures: [{ itemIdentifier: "zzz" }] }),
      Object.fromEntries(ids.map((id) => [id, 'batchItemFailures names "zzz", which is not in the batch: the whole batch is retried'])),
    ],
    [
      "a throw (or timeout, crash)",
      { ok: false, error: "Error: boom", errors: {}, durationMs: 1 },
      Object.fromEntries(ids.map((id) => [id, "Error: boom"])),
    ],
  ];
  for (const [name, outcome, expected] of cases) {
    it(`${name} → ${Object.keys(expected).length === 0 ? "all deleted" : `back: ${Object.keys(expected).join(", ")}`}`, () => {
      assert.deepEqual(Object.fromEntries([...judgeBatch(ids, outcome)].map(([id, failure]) => [id, failure.error])), expected);
    });
  }
});
