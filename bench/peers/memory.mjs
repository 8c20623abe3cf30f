/**
 * dev with `count` messages waiting, once its start-up type check has run (the
 * compiler's process comes and goes): sent in 10-message bodies with
 * delaySeconds=900 (so none is handled), memory sampled every 100 ms while
 * sending and for a second after; then dev is stopped and started again on
 * the same state, and the restart is timed from spawn to ready (the journal
 * read back) and checked to have every message back.
 */
import { ConnectionPool } from "../support/httpClient.mjs";
import { sampleTreeRss } from "../support/processes.mjs";
import { devStats } from "../support/devWorker.mjs";
import { userOrder } from "./appLoad.mjs";

export async function waitingMemory(contender, { count, connections = 32 }) {
  let running = await contender.start();
  try {
    await running.settled?.();
    const sampler = sampleTreeRss(running.pids);
    const pool = new ConnectionPool();
    const bodies = count / 10;
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < bodies) {
          const i = next++;
          await pool.post(running.url, JSON.stringify(Array.from({ length: 10 }, (_, j) => userOrder(i * 10 + j))), "?delaySeconds=900");
        }
      }),
    );
    pool.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const peak = sampler.stop();
    const { delayed } = await devStats(running.url);
    await running.stop();
    running = await contender.start({ keepState: true });
    const restored = (await devStats(running.url)).delayed;
    return { peakMb: peak.mb, peakParts: peak.parts, waiting: delayed, restartMs: running.readyMs, restored };
  } finally {
    await running.stop();
  }
}
