/**
 * `dev`'s type checks: after each build of the worker, in the background, one
 * at a time (a change during a check asks for one more, not one per change).
 * Delivery never waits on them: a type error is said in the console and the
 * dashboard, and the messages keep running on the code as it is, as they
 * would in AWS if it shipped. `build` and `deploy` refuse it.
 */
import { typecheckWorker, type TypeDiagnostic, type TypecheckResult } from "../../project/typecheck.js";

export type TypesState =
  | { state: "off" }
  | { state: "checking"; last?: TypecheckResult }
  | { state: "checked"; result: TypecheckResult }
  | { state: "failed"; error: string };

/** What a background type check found: `errors` (the first MAX_SHOWN_ERRORS of `total`), or `failed` when it could not run. */
export type TypesChecked =
  | { ok: boolean; total: number; errors: TypeDiagnostic[]; ms: number; compiler: string; tsconfig?: string }
  | { failed: string };

/** A check's state as the "types:checked" event says it. */
export function typesChecked(state: TypesState): TypesChecked {
  if (state.state === "failed") return { failed: state.error };
  const result = state.state === "checked" ? state.result : { errors: [], total: 0, ms: 0, compiler: "none" };
  return { ok: result.total === 0, total: result.total, errors: result.errors, ms: result.ms, compiler: result.compiler, ...(result.tsconfig ? { tsconfig: result.tsconfig } : {}) };
}

/**
 * While messages flow, a check waits up to this long for a quiet moment: the
 * TypeScript checker takes seconds of CPU that intake and the handlers need
 * more (on two cores it halved a fresh dev's intake for those seconds).
 */
export const MAX_TYPECHECK_DEFER_MS = 30_000;
const DEFER_POLL_MS = 500;

export class BackgroundTypeChecks {
  private running: AbortController | undefined;
  private again = false;
  private closed = false;
  private current: TypesState;
  private deferredSince: number | undefined;
  private deferTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: string,
    enabled: boolean,
    private readonly onResult: (state: TypesState) => void,
    /** Whether messages are flowing now (a check waits for a quiet moment, up to MAX_TYPECHECK_DEFER_MS). */
    private readonly busy: () => boolean = () => false,
  ) {
    this.current = enabled ? { state: "checking" } : { state: "off" };
  }

  /** A requested check is waiting for messages to stop flowing. */
  get deferred(): boolean {
    return this.deferTimer !== undefined;
  }

  get state(): TypesState {
    return this.current;
  }

  /** The worker was built anew: check it (after the check under way, if any). */
  request(): void {
    if (this.closed || this.current.state === "off") return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.busy() && Date.now() - (this.deferredSince ??= Date.now()) < MAX_TYPECHECK_DEFER_MS) {
      this.deferTimer ??= setTimeout(() => {
        this.deferTimer = undefined;
        this.request();
      }, DEFER_POLL_MS).unref();
      return;
    }
    this.deferredSince = undefined;
    void this.run();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
    this.running?.abort();
  }

  private async run(): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    const last = this.current.state === "checked" ? this.current.result : this.current.state === "checking" ? this.current.last : undefined;
    this.current = { state: "checking", ...(last ? { last } : {}) };
    try {
      const result = await typecheckWorker(this.root, { signal: controller.signal });
      if (this.closed) return;
      this.current = { state: "checked", result };
    } catch (error) {
      if (this.closed) return;
      this.current = { state: "failed", error: (error as Error).message.split("\n")[0] ?? "the type check failed" };
    } finally {
      this.running = undefined;
    }
    this.onResult(this.current);
    if (this.again && !this.closed) {
      this.again = false;
      void this.run();
    }
  }
}
