/**
 * How a worker's LetsGo imports resolve, wherever its code is loaded: by the
 * image bundler (esbuild) and by `dev`'s handler process (a Node resolve hook).
 * One rule, so a project runs the same in both, with or without `npm install`:
 *
 * - `letsgo-worker` and `letsgo-worker/runtime` always go to this installation's
 *   runtime: the worker runs the runtime the CLI was tested with.
 * - `@letsgo/types` resolves normally (a workspace package in node_modules) and
 *   otherwise falls back to packages/types/index.ts, where LetsGo keeps it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LetsgoError } from "../errors.js";

/** Imports that always mean this installation's runtime. */
export const RUNTIME_IMPORT = /^letsgo-worker(\/runtime)?$/;
/** The shared message types: normal resolution first, then the fallback. */
export const TYPES_IMPORT = /^@letsgo\/types$/;

/** dist/runtime/index.js next to the compiled tool; src/runtime/index.ts when run from source. */
export function runtimeEntry(): string {
  for (const candidate of ["../runtime/index.js", "../runtime/index.ts"]) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new LetsgoError(
    "letsgo-worker's runtime is missing from its installation (dist/runtime/index.js): reinstall letsgo-worker.",
  );
}

/** Where `@letsgo/types` goes when normal resolution finds nothing: `typesIndex` if it exists. */
export function typesFallback(typesIndex: string): string | undefined {
  return existsSync(typesIndex) ? typesIndex : undefined;
}
