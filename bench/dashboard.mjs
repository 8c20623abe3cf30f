#!/usr/bin/env node
/**
 * What an open dashboard costs dev (issue goal: ≤ 2% of throughput): dev on the
 * bare no-op handler under the same wrk load as bench/peers.mjs, with no page
 * open vs with one page's live connection open (GET /api/events, the stream
 * the dashboard reads: an overview and the changed messages once a second),
 * alternating round by round. The history is kept either way (it is what the
 * page shows after a restart); this measures the page being open.
 *
 * Usage: node bench/dashboard.mjs [--rounds N] [--seconds S]   (npm run build first)
 */
import { parseArgs } from "node:util";
import { devContender } from "./peers/contenders.mjs";
import { BODIES, throughputRun } from "./peers/throughput.mjs";
import { makeBareProject, REPO } from "./support/devWorker.mjs";
import { findWrk } from "./support/load.mjs";
import { codeLine, machineLine } from "./support/machine.mjs";
import { median } from "./support/stats.mjs";

const { values: flags } = parseArgs({ options: { rounds: { type: "string", default: "4" }, seconds: { type: "string", default: "8" } } });
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);

/** A dev contender whose start also opens the dashboard's live stream and reads it until stop. */
function withPage(contender) {
  return {
    ...contender,
    name: `${contender.name}, dashboard open`,
    async start(options) {
      const running = await contender.start(options);
      const controller = new AbortController();
      const response = await fetch(`${running.url}/api/events`, { signal: controller.signal });
      const reader = response.body.getReader();
      let bytes = 0;
      const reading = (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            bytes += value.length;
          }
        } catch {
          // aborted at stop
        }
      })();
      return {
        ...running,
        async stop() {
          controller.abort();
          await reading;
          running.streamBytes = bytes;
          await running.stop();
        },
      };
    },
  };
}

const closed = devContender("dev, bare handler", () => makeBareProject(), { note: "no-op handler, default settings" });
const open = withPage(closed);
const wrk = findWrk();

console.log("the dashboard: what an open page costs dev");
console.log(`machine: ${machineLine()}`);
console.log(`code:    ${codeLine(REPO)}`);
console.log(`command: node bench/dashboard.mjs --rounds ${rounds} --seconds ${seconds}`);
console.log(`load:    ${wrk ? "wrk -t1 -c64" : "the Node load generator (-c64; wrk not found)"}, single-message POSTs, ${seconds} s per round; ${closed.commands.at(-1)}`);
const handled = { closed: [], open: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [key, contender] of round % 2 ? [["closed", closed], ["open", open]] : [["open", open], ["closed", closed]]) {
    const result = await throughputRun(contender, { wrk, body: BODIES.single, perRequest: 1, seconds, warmupSeconds: 2 });
    handled[key].push(result.handledPerSec);
    console.log(`   round ${round}  ${contender.name.padEnd(36)} ${Math.round(result.handledPerSec).toLocaleString("en")} msg/s handled end to end`);
  }
}
const ratios = handled.open.map((value, i) => value / handled.closed[i]);
const ratio = median(handled.open) / median(handled.closed);
console.log(
  `median: page closed ${Math.round(median(handled.closed)).toLocaleString("en")} · open ${Math.round(median(handled.open)).toLocaleString("en")} msg/s · open/closed ${ratio.toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(", ")}; goal ≥ 0.98)`,
);
