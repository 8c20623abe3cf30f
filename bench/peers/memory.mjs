/**
 * Memory of dev and its handler processes with `count` messages waiting: sent
 * in 10-message bodies with delaySeconds=900 (so none is handled), sampled
 * every 100 ms while sending and for a second after.
 */
import { ConnectionPool } from "../support/httpClient.mjs";
import { sampleTreeRss } from "../support/processes.mjs";
import { devStats } from "../support/devWorker.mjs";
import { orderMessage } from "./throughput.mjs";

export async function waitingMemory(contender, { count, connections = 32 }) {
  const running = await contender.start();
  try {
    const sampler = sampleTreeRss(running.pids);
    const pool = new ConnectionPool();
    const bodies = count / 10;
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < bodies) {
          const i = next++;
          await pool.post(running.url, JSON.stringify(Array.from({ length: 10 }, (_, j) => orderMessage(i * 10 + j))), "?delaySeconds=900");
        }
      }),
    );
    pool.close();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const peak = sampler.stop();
    const { delayed } = await devStats(running.url);
    return { peakMb: peak.mb, peakParts: peak.parts, waiting: delayed };
  } finally {
    await running.stop();
  }
}
