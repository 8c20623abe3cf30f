/**
 * How messages are grouped into requests, and how long to wait between
 * attempts. Pure, so both are unit-tested without a network.
 */

/**
 * Indexes grouped in input order, each group at most `maxEntries` messages and
 * `maxBytes` together (a message larger than `maxBytes` goes alone; the
 * target then judges it).
 */
export function planBatches(sizes: readonly number[], maxEntries: number, maxBytes: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, index) => {
    if (current.length > 0 && (current.length >= maxEntries || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface RetryPolicy {
  /** Attempts per message, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubles for each further one. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
}

/** Five attempts over about three seconds at most. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 1_600 };

/** The wait after failed attempt `attempt` (1-based): exponential, with jitter in its upper half so callers that failed together spread out. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
