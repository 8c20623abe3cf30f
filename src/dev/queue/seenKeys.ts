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
  /** SHA-256 (base64url) of the body enqueued under this key. */
  h?: string;
}

export interface SeenKeysOptions {
  maxAgeMs: number;
  maxKeys: number;
}

/** A week, and (said in the README) at most 100,000 ids: past that the oldest is forgotten first. */
export const SEEN_KEYS_DEFAULTS: SeenKeysOptions = { maxAgeMs: 7 * 24 * 3600 * 1000, maxKeys: 100_000 };

export function isSeenRecord(record: { k: string }): record is SeenRecord {
  return record.k === "i";
}

/** Whether a value read back from the journal is a whole SeenRecord (not just one tagged "i"). */
export function isSeenRecordShape(value: unknown): value is SeenRecord {
  if (typeof value !== "object" || value === null) return false;
  const { k, key, t } = value as Record<string, unknown>;
  const { h } = value as Record<string, unknown>;
  return k === "i" && typeof key === "string" && key.length > 0 && typeof t === "number" && Number.isFinite(t) && (h === undefined || typeof h === "string");
}

export class SeenKeys {
  /** Key → when first seen; a Map keeps insertion order, which is time order. */
  private readonly keys = new Map<string, number>();
  /** Key → the digest of what it let in, for the keys that have one. */
  private readonly digests = new Map<string, string>();

  constructor(private readonly options: SeenKeysOptions = SEEN_KEYS_DEFAULTS) {}

  get size(): number {
    return this.keys.size;
  }

  has(key: string, now: number): boolean {
    const at = this.keys.get(key);
    return at !== undefined && now - at <= this.options.maxAgeMs;
  }

  /** The digest recorded with `key`, while it is remembered. */
  digest(key: string): string | undefined {
    return this.digests.get(key);
  }

  /** Remember `key` (and the digest of what it let in); returns the record to journal. */
  add(key: string, now: number, digest?: string): SeenRecord {
    const record: SeenRecord = digest === undefined ? { k: "i", key, t: now } : { k: "i", key, t: now, h: digest };
    this.apply(record);
    return record;
  }

  /** Undo `add` when its journal write failed: the delivery was not accepted. */
  forget(key: string): void {
    this.keys.delete(key);
    this.digests.delete(key);
  }

  /** For replay and live adds alike; drops keys that fell out of the window or over the bound. */
  apply(record: SeenRecord): void {
    this.keys.delete(record.key);
    this.keys.set(record.key, record.t);
    if (record.h === undefined) this.digests.delete(record.key);
    else this.digests.set(record.key, record.h);
    for (const [key, at] of this.keys) {
      if (this.keys.size <= this.options.maxKeys && record.t - at <= this.options.maxAgeMs) break;
      this.forget(key);
    }
  }

  /** The live keys as records: what journal compaction keeps. */
  snapshot(): SeenRecord[] {
    return [...this.keys].map(([key, t]) => {
      const h = this.digests.get(key);
      return h === undefined ? { k: "i", key, t } : { k: "i", key, t, h };
    });
  }
}
