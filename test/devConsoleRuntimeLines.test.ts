/**
 * `dev`'s console hides the runtime's own outcome log lines (its outcome lines
 * say the same) by their `msg`, whatever the order of their fields, and prints
 * every other line the handler writes; under load it sums up ✓ lines.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import { HANDLED_LINES_PER_SECOND, OUTPUT_LINES_PER_SECOND } from "../src/dev/console/textLines.js";
import type { DevWorker } from "../src/dev/worker.js";

const identity = (text: string) => text;
const plain = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity };

/** What the console prints for these handler output lines. */
function printed(lines: string[]): string[] {
  const worker = new EventEmitter();
  let text = "";
  const detach = attachConsole(worker as unknown as DevWorker, { json: false, out: (t) => (text += t), style: plain, projectDir: "/p", watching: false });
  for (const line of lines) worker.emit("handler:output", { line, stream: "stdout" });
  detach();
  return text.split("\n").filter((line) => line !== "");
}

describe("Function: attachConsole (handler output)", () => {
  it("hides the runtime's outcome lines, whatever the order of their fields", () => {
    const hidden = [
      '{"level":"info","msg":"message handled","messageType":"A","messageId":"m1","durationMs":3}',
      '{"level":"error","msg":"message failed","messageType":"A","messageId":"m1","error":"boom"}',
      '{"level":"debug","msg":"batch done","records":1,"failed":0}',
      '{"level":"info","msg":"scheduled run done","executionId":"e1"}',
      '{"level":"error","msg":"scheduled run failed","executionId":"e1"}',
      '{"msg":"message failed","level":"error","messageId":"m1"}',
      '{ "messageId": "m1", "level": "info", "msg": "message handled" }',
    ];
    assert.deepEqual(printed(hidden), []);
  });

  it("prints everything else, JSON or not", () => {
    const shown = [
      "plain text",
      '{"level":"info","msg":"order saved","orderId":"o_1"}',
      '{"msg":"message failed"}',
      '{"level":"error","msg":"message failed"',
      '["message failed"]',
    ];
    assert.deepEqual(printed(shown), shown.map((line) => `│ ${line}`));
  });
});

describe("Function: attachConsole (under load)", () => {
  it(`prints ${HANDLED_LINES_PER_SECOND} ✓ lines a second and sums up the rest by type; failures always in full`, () => {
    const worker = new EventEmitter();
    let text = "";
    const detach = attachConsole(worker as unknown as DevWorker, { json: false, out: (t) => (text += t), style: plain, projectDir: "/p", watching: false });
    const outcome = (i: number) => ({ id: `id-${i}-xxxxxxxx`, type: i % 3 === 0 ? "B" : "A", attempt: 1, maxAttempts: 3, durationMs: 1, requestId: "r" });
    for (let i = 0; i < 250; i++) worker.emit("message:handled", outcome(i));
    for (let i = 0; i < 3; i++) worker.emit("message:failed", { ...outcome(i), error: `Error: boom ${i}`, dead: false });
    detach(); // ends the second: the sum is printed
    const lines = text.split("\n").filter(Boolean);
    assert.equal(lines.filter((l) => /^✓ [AB] id-/.test(l)).length, HANDLED_LINES_PER_SECOND);
    assert.equal(lines.filter((l) => l.startsWith("✗")).length, 3);
    const skipped = 250 - HANDLED_LINES_PER_SECOND;
    const sum = lines.filter((l) => l.includes("more handled"));
    assert.equal(sum.length, 1);
    assert.match(sum[0]!, new RegExp(`^✓ ${skipped} more handled in the last second \\(A \\d+, B \\d+;`));
    const counts = [...sum[0]!.matchAll(/([AB]) (\d+)/g)].map((m) => Number(m[2]));
    assert.equal(counts.reduce((a, b) => a + b, 0), skipped);
  });

  it(`prints ${OUTPUT_LINES_PER_SECOND} lines of handler output a second and counts the rest in one line`, () => {
    const worker = new EventEmitter();
    let text = "";
    const detach = attachConsole(worker as unknown as DevWorker, { json: false, out: (t) => (text += t), style: plain, projectDir: "/p", watching: false });
    for (let i = 0; i < OUTPUT_LINES_PER_SECOND + 57; i++) worker.emit("handler:output", { line: `order ${i}`, stream: "stdout", requestId: "r" });
    detach(); // ends the second: the count is printed
    const lines = text.split("\n").filter(Boolean);
    assert.equal(lines.filter((l) => /^│ order \d+$/.test(l)).length, OUTPUT_LINES_PER_SECOND);
    assert.deepEqual(lines.filter((l) => l.includes("more lines of handler output")).map((l) => /… (\d+) more/.exec(l)?.[1]), ["57"]);
  });
});
