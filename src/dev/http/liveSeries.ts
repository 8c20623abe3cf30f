/**
 * The overview's charts: handled and failed messages a second, the queue's
 * depth and the age of the message waiting longest, sampled once a second for
 * the last SERIES_SECONDS. Pure: the caller samples, and gives the clock.
 */
import type { SeriesPoint } from "./devApi.js";

export const SERIES_SECONDS = 300;

/** What one sample reads: the session's counters (rates are their differences) and the queue now. */
export interface SeriesReading {
  processed: number;
  failed: number;
  depth: number;
  oldestAgeMs: number;
}

export class LiveSeries {
  private readonly ring: SeriesPoint[] = [];
  private last: { at: number; processed: number; failed: number } | undefined;

  /** Take a sample at `now` (ms): the rates since the last one. */
  sample(reading: SeriesReading, now: number): SeriesPoint {
    const seconds = this.last ? (now - this.last.at) / 1000 : 0;
    const rate = (count: number, before: number | undefined) => (seconds > 0 && before !== undefined ? Math.max(0, Math.round((count - before) / seconds)) : 0);
    const point: SeriesPoint = {
      at: now,
      handledPerSecond: rate(reading.processed, this.last?.processed),
      failedPerSecond: rate(reading.failed, this.last?.failed),
      depth: reading.depth,
      oldestAgeSeconds: Math.round(reading.oldestAgeMs / 1000),
    };
    this.last = { at: now, processed: reading.processed, failed: reading.failed };
    this.ring.push(point);
    if (this.ring.length > SERIES_SECONDS) this.ring.shift();
    return point;
  }

  get latest(): SeriesPoint | undefined {
    return this.ring.at(-1);
  }

  /** Oldest first. */
  points(): SeriesPoint[] {
    return [...this.ring];
  }
}
