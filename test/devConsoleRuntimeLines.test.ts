/**
 * `dev`'s console hides the runtime's own outcome log lines (its outcome lines
 * say the same) by their `msg`, whatever the order of their fields, and prints
 * every other line the handler writes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { attachConsole } from "../src/dev/consoleLog.js";
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
