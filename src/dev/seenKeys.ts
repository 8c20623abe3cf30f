/**
 * Delivery keys already enqueued (Stripe event ids), so a retried or duplicated
 * webhook delivery is enqueued once. Each key is a journal record written in the
 * same write (and fsync) as its message, so "enqueued" and "seen" cannot drift
 * apart, and replay restores them after a restart. Bounded: keys are kept for a
 * week (Stripe retries for up to three days) and at most `maxKeys` of them.
 * Pure: no I/O and no clock of its own.
 */

/** A key was seen at `t` (epoch ms). */
export interface SeenRecord {
  k: "i";
  key: string;
  t: number;
}

export interface SeenKeysOptions {
  maxAgeMs: number;
  maxKeys: number;
}

export const SEEN_KEYS_DEFAULTS: SeenKeysOptions = { maxAgeMs: 7 * 24 * 3600 * 1000, maxKeys: 10_000 };

export function isSeenRecord(record: { k: string }): record is SeenRecord {
  return record.k === "i";
}

/** Whether a value read back from the journal is a whole SeenRecord (not just one tagged "i"). */
export function isSeenRecordShape(value: unknown): value is SeenRecord {
  if (typeof value !== "object" || value === null) return false;
  const { k, key, t } = value as Record<string, unknown>;
  return k === "i" && typeof key === "string" && key.length > 0 && typeof t === "number" && Number.isFinite(t);
}

export class SeenKeys {
  /** Key → when first seen; a Map keeps insertion order, which is time order. */
  private readonly keys = new Map<string, number>();

  constructor(private readonly options: SeenKeysOptions = SEEN_KEYS_DEFAULTS) {}

  get size(): number {
    return this.keys.size;
  }

  has(key: string, now: number): boolean {
    const at = this.keys.get(key);
    return at !== undefined && now - at <= this.options.maxAgeMs;
  }

  /** Remember `key`; returns the record to journal. */
  add(key: string, now: number): SeenRecord {
    const record: SeenRecord = { k: "i", key, t: now };
    this.apply(record);
    return record;
  }

  /** Undo `add` when its journal write failed: the delivery was not accepted. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /** For replay and live adds alike; drops keys that fell out of the window or over the bound. */
  apply(record: SeenRecord): void {
    this.keys.delete(record.key);
    this.keys.set(record.key, record.t);
    for (const [key, at] of this.keys) {
      if (this.keys.size <= this.options.maxKeys && record.t - at <= this.options.maxAgeMs) break;
      this.keys.delete(key);
    }
  }

  /** The live keys as records: what journal compaction keeps. */
  snapshot(): SeenRecord[] {
    return [...this.keys].map(([key, t]) => ({ k: "i", key, t }));
  }
}
