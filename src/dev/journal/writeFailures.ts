/**
 * The journal's failing writes: what condition holds (disk full, read-only,
 * EIO...), since when and how many bytes it refused, and the backoff before the
 * next attempt. The journal reports its state from here; dev resumes by itself
 * when a write works again.
 */
import { describeDiskError, JournalWriteError, type DiskCondition } from "./diskErrors.js";

export type FailureState = DiskCondition & { since: string; bytes: number };

export class WriteFailures {
  private failure: FailureState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;

  constructor(
    private readonly dir: string,
    private readonly delays: { first: number; max: number },
    /** Told when writes start failing (or fail differently), and when they work again. */
    private readonly onChange: () => void,
  ) {
    this.delay = delays.first;
  }

  get current(): FailureState | null {
    return this.failure;
  }

  /** A write of `bytes` failed (null: a probe, as large as the last refused write); the error for whoever waited on it. */
  failed(error: unknown, bytes: number | null): JournalWriteError {
    const condition = describeDiskError(error, this.dir);
    const refused = bytes ?? this.failure?.bytes ?? 0;
    const changed = !this.failure || this.failure.code !== condition.code;
    this.failure = { ...condition, since: this.failure?.since ?? new Date().toISOString(), bytes: Math.max(refused, this.failure?.bytes ?? 0) };
    if (changed) this.onChange();
    return new JournalWriteError(condition, { retryAfterSeconds: Math.max(1, Math.ceil(this.delay / 1000)), cause: error });
  }

  /** A write worked: the backoff starts over. */
  recovered(): void {
    if (!this.failure) return;
    this.failure = null;
    this.delay = this.delays.first;
    this.cancelRetry();
    this.onChange();
  }

  /**
   * Call `retry` after the backoff (doubling up to the longest), unless one is
   * armed already. Not unref'd: records waiting to be written are a reason to
   * stay up; the journal's close cancels it.
   */
  armRetry(retry: () => void): void {
    if (this.timer) return;
    const delay = this.delay;
    this.delay = Math.min(this.delays.max, this.delay * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      retry();
    }, delay);
  }

  cancelRetry(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
