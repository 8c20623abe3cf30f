#!/usr/bin/env node
/**
 * What keeping the message history on disk costs dev while messages trickle
 * in: a full history (10,000 entries, each with the 10 output lines of its
 * batch, as the scaffold's stub prints) and 30 entries changed, written the
 * way dev writes every 3 s (appending what changed) vs rewriting the whole
 * file (what it did before, and still does when the file has grown, and at
 * shutdown).
 *
 * Usage: node bench/historyWrite.mjs [--rounds N]   (npm run build first)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MessageHistory } from "../dist/dev/history/history.js";
import { REPO } from "./support/devWorker.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { median } from "./support/stats.mjs";

const { values: flags } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(flags.rounds);
const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-history-bench-"));
const history = new MessageHistory({ file: path.join(dir, "history.json") });
await history.load();
const body = JSON.stringify({ type: "OrderNew", payload: { orderId: "o_123456", customerId: "c_42", amount: 1999, currency: "usd", items: [{ sku: "sku_1", quantity: 2 }] } });
for (let batch = 0; batch < 1_000; batch++) {
  const requestId = `req-${batch}`;
  for (let i = 0; i < 10; i++) history.output(requestId, `OrderNew { orderId: 'o_${batch}_${i}', customerId: 'c_42', amount: 1999, currency: 'usd', items: [ { sku: 'sku_1', quantity: 2 } ] }`, "stdout");
  for (let i = 0; i < 10; i++) {
    const id = `m-${batch}-${i}`;
    history.accepted({ id, type: "OrderNew", body, sentAt: Date.now() }, "send");
    history.attempt({ id, attempt: 1, requestId, durationMs: 1 }, true);
  }
}
// The writes dev makes (a private method: the bench calls it as the timer would).
const write = (whole) => history.write(whole);
await write(true);
const times = { append: [], whole: [] };
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < 30; i++) history.expired(`m-${round * 30 + i}-0`);
  let t = performance.now();
  await write(false);
  times.append.push(performance.now() - t);
  t = performance.now();
  await write(true);
  times.whole.push(performance.now() - t);
}
await rm(dir, { recursive: true, force: true });
console.log("the message history on disk: one write with 30 of 10,000 entries changed");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: node bench/historyWrite.mjs --rounds ${rounds}`);
console.log(`append what changed ${median(times.append).toFixed(1)} ms · rewrite the whole file ${median(times.whole).toFixed(1)} ms (median of ${rounds}; dev writes at most every 3 s while anything changes)`);
