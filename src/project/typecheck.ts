/**
 * Type-checking the worker as its own `tsc --noEmit` would: apps/worker's
 * tsconfig.json, the project's own TypeScript (resolved from apps/worker; this
 * tool's copy when the project has none), and every file the worker imports,
 * @letsgo/types and the other workspace packages included. `build` and `deploy`
 * refuse on errors (--no-typecheck skips, and says so); `dev` checks after each
 * reload, in the background, and says what it finds without stopping delivery.
 *
 * It runs in a child process (./typecheckProcess.ts): the compiler's memory
 * leaves with it, and `dev` never waits on it.
 */
import { runScriptProcess } from "./scriptProcess.js";
import { existsSync } from "node:fs";
import path from "node:path";
import { ProjectError } from "../errors.js";
import { workerPaths } from "./paths.js";

export interface TypeDiagnostic {
  /** Relative to the project root, with `/`. */
  file: string;
  line: number;
  column: number;
  code: number;
  message: string;
}

export interface TypecheckResult {
  errors: TypeDiagnostic[];
  /** How many errors there were, when more than `errors` holds. */
  total: number;
  /** Wall time of the check, the compiler's load included. */
  ms: number;
  /** Which compiler ran: "typescript 5.9.3 (the project's)". */
  compiler: string;
  /** The tsconfig checked, relative to the project root; undefined when the worker has none (nothing was checked). */
  tsconfig?: string;
}

/** Errors kept for display: the rest are counted. */
export const MAX_SHOWN_ERRORS = 20;

/** Stop a check stuck this long: the worker is checked by the next change, or by `build`. */
const CHECK_TIMEOUT_MS = 120_000;

export class TypeCheckFailedError extends ProjectError {
  override name = "TypeCheckFailedError";
  constructor(readonly result: TypecheckResult, what: string) {
    const shown = result.errors.slice(0, 10).map(formatTypeError);
    const more = result.total > shown.length ? [`  … and ${result.total - shown.length} more`] : [];
    super(
      [
        `${what} refused: ${result.tsconfig} has ${result.total} type error${result.total === 1 ? "" : "s"} (${result.compiler}):`,
        ...shown.map((line) => `  ${line}`),
        ...more,
        `Fix ${result.total === 1 ? "it" : "them"} (\`npx tsc --noEmit -p ${result.tsconfig}\` shows the same), or pass --no-typecheck to ship anyway.`,
      ].join("\n"),
    );
  }
}

/** `apps/worker/src/x.ts:12:5 TS2339 Property 'x' does not exist...` */
export function formatTypeError(error: TypeDiagnostic): string {
  return `${error.file}:${error.line}:${error.column} TS${error.code} ${error.message}`;
}

/** Check the project's worker in a child process. Rejects only if the check itself could not run. */
export function typecheckWorker(projectDir: string, options: { signal?: AbortSignal } = {}): Promise<TypecheckResult> {
  const paths = workerPaths(projectDir);
  const tsconfig = path.join(paths.worker, "tsconfig.json");
  if (!existsSync(tsconfig)) return Promise.resolve({ errors: [], total: 0, ms: 0, compiler: "none" });
  const started = performance.now();
  return runScriptProcess<Omit<TypecheckResult, "ms">>(import.meta.url, "typecheckProcess", [paths.root, tsconfig], {
    timeoutMs: CHECK_TIMEOUT_MS,
    what: "the type check",
    ...(options.signal ? { signal: options.signal } : {}),
  }).then((result) => ({ ...result, ms: Math.round(performance.now() - started) }));
}
