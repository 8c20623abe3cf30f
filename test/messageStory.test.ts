/**
 * What the dashboard's views are made from, on plain values: a message's
 * timeline (services/messageStory.ts), the history's search, the charts'
 * series and the settings in words.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MessageHistory } from "../src/dev/history/history.js";
import { historyMatcher, SEARCHED_BODY_CHARS } from "../src/dev/history/historySearch.js";
import { LiveSeries, SERIES_SECONDS } from "../src/dev/http/liveSeries.js";
import { storyTimeline } from "../src/dev/services/messageStory.js";
import { settingsInWords } from "../src/dev/services/settingsInWords.js";
import { defaultSettings } from "../src/project/settings.js";

const ROOT = "/home/ada/shop";
const stack = (line: number) =>
  [
    "Error: Order o_1 has an invalid total: -1",
    `    at orderNewHandler (${ROOT}/apps/worker/src/handlers/orderNewHandler.ts:${line}:11)`,
    `    at route (${ROOT}/node_modules/letsgo-worker/dist/runtime/workerHandler.js:88:20)`,
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
  ].join("\n");

function historyWithFailures(now: () => number) {
  const history = new MessageHistory({ now });
  history.accepted({ id: "m1", type: "OrderNew", body: '{"type":"OrderNew","payload":{"orderId":"o_1"}}', sentAt: 1_000 }, "send");
  history.attempt({ id: "m1", attempt: 1, requestId: "r1", durationMs: 40, error: "Error: Order o_1 has an invalid total: -1", stack: stack(7) }, false);
  history.attempt({ id: "m1", attempt: 2, requestId: "r2", durationMs: 35, error: "Error: Order o_1 has an invalid total: -1", stack: stack(7) }, false);
  history.attempt({ id: "m1", attempt: 3, requestId: "r3", durationMs: 30, error: "Error: Order o_1 has an invalid total: -1", stack: stack(9), dead: true }, false);
  return history;
}

describe("Function: storyTimeline", () => {
  it("puts the send, each attempt and the DLQ on one axis, folding an error an earlier attempt showed", () => {
    let clock = 2_000;
    const history = historyWithFailures(() => (clock += 1_000));
    const timeline = storyTimeline(history.get("m1")!, null, ROOT);
    assert.deepEqual(timeline.map((item) => item.kind), ["sent", "attempt", "attempt", "attempt", "mark"]);
    const [, first, second, third, dead] = timeline as Array<Extract<(typeof timeline)[number], { kind: "attempt" }>>;
    assert.equal(first!.sameErrorAs, undefined);
    assert.deepEqual(first!.stack, {
      user: ["at orderNewHandler (apps/worker/src/handlers/orderNewHandler.ts:7:11)"],
      other: ["at route (node_modules/letsgo-worker/dist/runtime/workerHandler.js:88:20)", "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"],
    });
    // The same error and stack: said once.
    assert.equal(second!.sameErrorAs, 1);
    assert.equal(second!.stack, undefined);
    // The same message from another line is another error: shown whole.
    assert.equal(third!.sameErrorAs, undefined);
    assert.ok(third!.stack);
    assert.deepEqual(dead, { kind: "mark", at: (dead as { at: number }).at, what: "dead" });
    for (let i = 1; i < timeline.length; i++) assert.ok(timeline[i]!.at >= timeline[i - 1]!.at, "in time order");
  });

  it("says, while a message waits, when its next attempt comes and when it would be in the DLQ", () => {
    const history = new MessageHistory({ now: () => 5_000 });
    history.accepted({ id: "m2", type: "OrderNew", body: "{}", sentAt: 4_000 }, "send");
    history.attempt({ id: "m2", attempt: 1, requestId: "r1", durationMs: 10, error: "Error: later" }, false);
    const retry = { messageId: "m2", type: "OrderNew", attempts: 1, maxAttempts: 5, lastError: "Error: later", nextAttemptAt: new Date(15_000).toISOString(), deadLetterAt: new Date(55_000).toISOString() };
    assert.deepEqual(storyTimeline(history.get("m2")!, retry, ROOT).at(-1), { kind: "next", at: 15_000, attempt: 2, maxAttempts: 5, deadLetterAt: 55_000 });
  });

  it("marks a redrive and a replay on the original, with the copy's id", () => {
    let clock = 1;
    const history = new MessageHistory({ now: () => clock++ });
    history.accepted({ id: "a", type: "T", body: "{}", sentAt: 0 }, "send");
    history.accepted({ id: "b", type: "T", body: "{}", sentAt: 10 }, "replay", "a");
    history.accepted({ id: "c", type: "T", body: "{}", sentAt: 20 }, "redrive", "a");
    const marks = storyTimeline(history.get("a")!, null, ROOT).filter((item) => item.kind === "mark");
    assert.deepEqual(marks.map((mark) => [mark.what, mark.to]), [["replayed", "b"], ["redriven", "c"]]);
  });
});

describe("Function: history search", () => {
  it("finds a message by a value in its payload, by id prefix and by type, and counts every match", () => {
    const history = new MessageHistory();
    for (let i = 0; i < 30; i++) history.accepted({ id: `id-${i}`, type: i % 2 ? "OrderNew" : "ContactForm", body: JSON.stringify({ type: "T", payload: { orderId: `ORD-${1000 + i}` } }), sentAt: i }, "send");
    assert.deepEqual(history.list({ query: "ord-1017" }).messages.map((m) => m.id), ["id-17"]);
    assert.deepEqual(history.list({ query: "ID-2" }).messages.map((m) => m.id).sort(), ["id-2", "id-20", "id-21", "id-22", "id-23", "id-24", "id-25", "id-26", "id-27", "id-28", "id-29"].sort());
    const limited = history.list({ type: "OrderNew", limit: 5 });
    assert.equal(limited.messages.length, 5);
    assert.equal(limited.matching, 15, "the count follows the filter, not the page");
    assert.equal(history.list({ query: "ORD-10", status: "handled" }).matching, 0);
  });

  it("reads the first SEARCHED_BODY_CHARS of a body, whatever its length", () => {
    const matches = historyMatcher({ query: "needle" });
    const entry = (body: string) => ({ id: "x", type: "T", status: "waiting", body });
    assert.equal(matches(entry(`${"a".repeat(SEARCHED_BODY_CHARS - 10)}needle`)), true);
    assert.equal(matches(entry(`${"a".repeat(SEARCHED_BODY_CHARS)}needle`)), false);
    assert.equal(matches(entry("NEEDLE in caps")), true);
  });
});

describe("Class: LiveSeries", () => {
  it("turns counters into rates a second and keeps the last SERIES_SECONDS samples", () => {
    const series = new LiveSeries();
    series.sample({ processed: 0, failed: 0, depth: 5, oldestAgeMs: 0 }, 0);
    const point = series.sample({ processed: 300, failed: 10, depth: 7, oldestAgeMs: 2_400 }, 2_000);
    assert.deepEqual(point, { at: 2_000, handledPerSecond: 150, failedPerSecond: 5, depth: 7, oldestAgeSeconds: 2 });
    for (let i = 0; i < SERIES_SECONDS + 10; i++) series.sample({ processed: 300, failed: 10, depth: 0, oldestAgeMs: 0 }, 3_000 + i * 1_000);
    assert.equal(series.points().length, SERIES_SECONDS);
    assert.equal(series.latest?.handledPerSecond, 0);
  });
});

describe("Function: settingsInWords", () => {
  it("labels the settings dev shows and gives each value its unit", () => {
    const words = settingsInWords({ ...defaultSettings(), LETSGO_WORKER_VISIBILITY_TIMEOUT: 360, LETSGO_WORKER_MAX_MESSAGE_SIZE: 262_144, LETSGO_WORKER_FUNCTION_TIMEOUT: 10 });
    const byKey = new Map(words.map((w) => [w.key, w]));
    assert.deepEqual(byKey.get("LETSGO_WORKER_VISIBILITY_TIMEOUT"), { key: "LETSGO_WORKER_VISIBILITY_TIMEOUT", label: "Visibility timeout", value: "6 min", meaning: "Seconds a received message stays invisible before it is retried." });
    assert.equal(byKey.get("LETSGO_WORKER_MAX_MESSAGE_SIZE")!.value, "256 KiB");
    assert.equal(byKey.get("LETSGO_WORKER_FUNCTION_TIMEOUT")!.value, "10 s");
    assert.equal(byKey.get("LETSGO_WORKER_MAX_RECEIVE_COUNT")!.value, "5");
    assert.equal(byKey.has("STRIPE_WEBHOOK_SECRET"), false, "secrets are not shown");
  });
});
