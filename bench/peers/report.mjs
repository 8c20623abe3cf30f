/** What bench/peers.mjs prints after its rounds: the results table and the goals. */
import { range } from "../support/stats.mjs";

const int = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => (Math.abs(n) < 10 ? n.toFixed(1) : n.toFixed(0));
const mb = (n) => n.toFixed(0);
const ratio = (n) => `${n.toFixed(2)}×`;

/** "median (min–max)" of per-round values, each formatted by `format`; just the value for one round. */
export function spread(values, format) {
  const { median, min, max } = range(values);
  if (values.length === 1) return format(median);
  return `${format(median)} (${format(min)}${min < 0 ? " to " : "–"}${format(max)})`;
}

const pad = (text, width) => text + " ".repeat(Math.max(1, width - text.length));

export function printThroughput(rows) {
  console.log("\nthroughput: handled end to end (sent -> handler done) from the load's start to the last message handled, per second; accepted per second of load; p99 of one send (a POST, or a client call); tail: from the load's end to the last message handled (dev holds a partial batch for its batching window); memory of all the contender's processes");
  console.log(`  ${pad("contender, feed, body", 40)}${pad("handled, msg/s", 24)}${pad("accepted, msg/s", 24)}${pad("send p99, ms", 18)}${pad("tail, s", 16)}${pad("RSS idle, MB", 16)}RSS peak, MB`);
  for (const { label, runs } of rows) {
    if (!runs.length) continue;
    const col = (key, format) => spread(runs.map((r) => r[key]), format);
    console.log(`  ${pad(label, 40)}${pad(col("handledPerSec", int), 24)}${pad(col("acceptedPerSec", int), 24)}${pad(col("sendP99Ms", ms), 18)}${pad(col("tailMs", (v) => (v / 1000).toFixed(2)), 16)}${pad(col("idleMb", mb), 16)}${col("peakMb", mb)}`);
  }
}

export function printLatency(latency) {
  console.log("\nlatency, ms (p50 / p99 / max; median of rounds)");
  const line = (label, runs, key = (r) => r) => {
    if (!runs.length) return;
    const of = (field) => spread(runs.map((r) => key(r)[field]), ms);
    console.log(`  ${pad(label, 84)}${of("p50")} / ${of("p99")} / ${of("max")}   (${key(runs[0]).count} messages)`);
  };
  line("BullMQ, warm, 1,000 msg/s: add() resolved -> processor starts", latency.bullmq);
  line("dev, warm, 1,000 msg/s, batching window 0: 201 at the client -> handler starts", latency.devWarm);
  line("dev, first 1,000 messages at 1,000 msg/s from ready (cold start), default window", latency.devCold, (r) => r.cold);
  line("dev, default window 2 s, 1,000 msg/s (batches fill)", latency.devCold, (r) => r.dense);
  line("dev, default window 2 s, 5 msg/s (batches never fill: each waits the window)", latency.devCold, (r) => r.sparse);
}

/**
 * Each goal: its measured value per round, the median (min–max), and ✓ or ✗ on
 * the median. `value(round)` returns the round's value, or undefined when skipped.
 */
export function printGoals(goals, rounds, skipped) {
  console.log("\ngoals (✓/✗ on the median of the rounds)");
  for (const goal of goals) {
    const values = rounds.map(goal.value).filter((v) => v !== undefined && !Number.isNaN(v));
    if (!values.length) {
      console.log(`  – ${goal.label}: skipped (${skipped(goal) ?? "not measured"})`);
      continue;
    }
    const { median } = range(values);
    const ok = goal.max !== undefined ? median <= goal.max : median >= goal.min;
    const format = goal.unit === "×" ? ratio : goal.unit === "ms" ? (n) => `${ms(n)} ms` : (n) => `${mb(n)} MB`;
    const target = goal.max !== undefined ? `≤ ${format(goal.max)}` : `≥ ${format(goal.min)}`;
    console.log(`  ${ok ? "✓" : "✗"} ${goal.label}: ${spread(values, format)}   goal ${target}${goal.note && !ok ? `   ${goal.note(rounds)}` : ""}`);
  }
}
