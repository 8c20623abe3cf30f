/**
 * When the disk under the dev worker's state directory is the problem (full,
 * read-only, not writable, failing), the user can fix it: at start that is a
 * typed error with a hint (exit 1), while running it is a 503 that says why,
 * and dev resumes by itself once it can write again. Only other errors are bugs.
 */
import path from "node:path";
import { ProjectError, ServiceError } from "../../errors.js";

interface Condition {
  /** What is wrong with the directory, after "<dir> ". */
  what: string;
  /** What the user can do. */
  fix: (dir: string) => string;
}

const CONDITIONS: Record<string, Condition> = {
  ENOSPC: { what: "is on a full disk (ENOSPC: no space left on device)", fix: (dir) => `Free some space on that disk (df -h ${dir})` },
  EDQUOT: { what: "is over your disk quota (EDQUOT)", fix: () => "Free some space under your quota" },
  EROFS: {
    what: "is on a read-only file system (EROFS)",
    fix: () => "Remount that file system read-write, or run dev from a writable copy of the project",
  },
  EACCES: {
    what: "is not writable by this user (EACCES: permission denied)",
    fix: (dir) => `Give yourself write access (e.g. sudo chown -R "$(id -un)" ${dir}), or run dev as the user who owns it`,
  },
  EPERM: {
    what: "is not writable by this user (EPERM: operation not permitted)",
    fix: (dir) => `Give yourself write access (e.g. sudo chown -R "$(id -un)" ${dir}), or run dev as the user who owns it`,
  },
  EISDIR: {
    what: "holds a directory where dev keeps one of its files (EISDIR)",
    fix: (dir) => `Move that directory out of ${dir} (the error names it): dev makes its file again`,
  },
  ENOTDIR: {
    what: "is, or lies under, a file where dev needs a directory (ENOTDIR)",
    fix: (dir) => `Move that file out of the way of ${dir}: dev makes the directory again`,
  },
  EIO: { what: "is on a disk that reported an I/O error (EIO)", fix: () => "Check the disk (dmesg), or move the project to a healthy disk" },
};

export interface DiskCondition {
  /** The errno code, or "EWRITE" for a write the file system left short without an error. */
  code: string;
  /** Plain words: "apps/worker/.letsgo is on a full disk (ENOSPC: ...)". */
  reason: string;
  fix: string;
}

/** What a failed write or open of the journal in `dir` means, in the user's terms. */
export function describeDiskError(error: unknown, dir: string): DiskCondition {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const condition = code ? CONDITIONS[code] : undefined;
  if (condition) return { code: code!, reason: `${dir} ${condition.what}`, fix: condition.fix(dir) };
  const message = error instanceof Error ? error.message : String(error);
  return { code: code ?? "EWRITE", reason: `writing the queue journal in ${dir} failed (${message})`, fix: "Check the disk" };
}

export function isDiskCondition(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && Object.hasOwn(CONDITIONS, code);
}

/**
 * The journal cannot be written now. Nothing of the request that gets this was
 * kept; what was accepted before is safe. HTTP 503 with Retry-After.
 */
export class JournalWriteError extends ServiceError {
  override name = "JournalWriteError";
  readonly httpStatus = 503;
  readonly retryAfterSeconds: number;
  readonly code: string;
  readonly reason: string;
  constructor(condition: DiskCondition, options: { retryAfterSeconds: number; cause?: unknown }) {
    super(
      `Not accepted: ${condition.reason}, so dev cannot make anything durable. Nothing of this request was kept; ` +
        `everything accepted before it is safe. ${condition.fix}: dev retries by itself and accepts again as soon as it can write (no restart needed).`,
      { cause: options.cause },
    );
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.code = condition.code;
    this.reason = condition.reason;
  }
}

/** dev cannot start because its state directory cannot be written: exit 1 with what to do. */
export class StateDirectoryError extends ProjectError {
  override name = "StateDirectoryError";
  readonly code: string;
  constructor(condition: DiskCondition, options: { cause?: unknown } = {}) {
    super(`dev cannot start: ${condition.reason}, and dev keeps its queue there. ${condition.fix}, then start dev again; nothing in the queue is lost.`, options);
    this.code = condition.code;
  }
}

/**
 * An error from preparing `dir` at start, as the user should see it: a disk
 * condition on a path inside `dir` becomes a StateDirectoryError; anything else
 * is returned unchanged.
 */
export function stateDirectoryError(error: unknown, dir: string): unknown {
  if (error instanceof StateDirectoryError || !isDiskCondition(error)) return error;
  const where = (error as NodeJS.ErrnoException).path;
  if (where !== undefined && where !== dir && !where.startsWith(dir + path.sep)) return error;
  return new StateDirectoryError(describeDiskError(error, dir), { cause: error });
}

/** A write after close: the dev worker is stopping. Nothing was written; the caller must not report success. */
export class JournalClosedError extends ServiceError {
  override name = "JournalClosedError";
  readonly httpStatus = 503;
  readonly retryAfterSeconds = 1;
  constructor() {
    super("The dev worker is stopping: nothing more is written to its journal. Send the message again once `letsgo-worker dev` is running.");
  }
}
