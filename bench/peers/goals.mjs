/**
 * The goals bench/peers.mjs checks (issue 25), each a value per round: a
 * ratio (×), a time (ms) or a memory (MB), with its bound.
 */
const WINDOW_MS = 2000;
const int = (n) => Math.round(n).toLocaleString("en-US");

export function goalsOf({ bullmq, waiting, quick }) {
  const handled = (key) => (r) => r.tp[key]?.handledPerSec;
  const ratio = (a, b) => (r) => handled(a)(r) / handled(b)(r);
  return [
    { label: "scaffold fed by enqueue() / BullMQ fed by queue.add(), handled to the last message", unit: "×", min: 2, needs: bullmq, value: ratio("scaffoldEnqueue", "bullmq") },
    { label: "scaffold / limit proxy, both fed by wrk, single messages", unit: "×", min: 0.8, value: ratio("scaffold", "proxy") },
    { label: "scaffold, 10-message bodies / single messages (wrk)", unit: "×", min: 3, value: ratio("scaffoldTen", "scaffold") },
    { label: "scaffold / bare handler, single messages (wrk)", unit: "×", min: 0.9, value: ratio("scaffold", "bare") },
    { label: "POST p99 under saturation, scaffold (wrk -c64, single messages)", unit: "ms", max: 20, value: (r) => r.tp.scaffold?.sendP99Ms },
    { label: "warm p99 at 1,000 msg/s, dev (window 0, 201 -> handler) / BullMQ (add() -> processor)", unit: "×", max: 1, needs: bullmq, value: (r) => r.lat.devWarm.p99 / r.lat.bullmq?.p99 },
    { label: "p99 of the first 1,000 messages after dev is ready (cold start included)", unit: "ms", max: 50, value: (r) => r.lat.devCold.cold.p99 },
    { label: "p99 with the default 2 s window (the larger of 1,000 and 5 msg/s)", unit: "ms", max: WINDOW_MS + 20, value: (r) => Math.max(r.lat.devCold.dense.p99, r.lat.devCold.sparse.p99) },
    { label: "memory, dev + handler processes idle after a first message, scaffold", unit: "MB", max: 120, value: (r) => r.tp.scaffold?.idleMb },
    { label: "memory, dev + handler processes under load, scaffold (the largest of its rows)", unit: "MB", max: 250, value: (r) => Math.max(...["scaffoldEnqueue", "scaffold", "scaffoldTen"].map((key) => r.tp[key]?.peakMb ?? 0)) },
    { label: `memory, scaffold with ${int(waiting)} messages waiting${quick ? " (quick: the goal is for 100,000)" : ""}`, unit: "MB", max: 150, value: (r) => r.waiting.peakMb },
    { label: `restart with ${int(waiting)} messages waiting, spawn to ready`, unit: "ms", max: 1000, value: (r) => (r.waiting.restored === r.waiting.waiting ? r.waiting.restartMs : Infinity), note: (rounds) => (rounds.some((r) => r.waiting.restored !== r.waiting.waiting) ? "NOT every message came back after the restart" : "") },
    { label: "add-message on the installed scaffold", unit: "ms", max: 1000, value: (r) => r.addMessageMs },
    { label: "CLI start-up, letsgo-worker --help / node -e 0", unit: "×", max: 1.3, value: (r) => r.cli },
  ];
}
