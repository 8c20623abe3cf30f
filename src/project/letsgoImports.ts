/**
 * How a worker's LetsGo imports resolve, wherever its code is loaded: by the
 * image bundler (esbuild) and by `dev`'s handler process (a Node resolve hook).
 * One rule, so a project runs the same in both, with or without `npm install`:
 *
 * - `letsgo-worker`, `letsgo-worker/runtime` and `letsgo-worker/queue` always go
 *   to this installation's code: the worker runs what the CLI was tested with.
 * - `@letsgo/types` and `@letsgo/queue` resolve normally (workspace packages in
 *   node_modules) and otherwise fall back to packages/<name>/index.ts, where
 *   LetsGo keeps them.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LetsgoError } from "../errors.js";

/** Imports that always mean this installation's code; the group names the entry (none: the runtime). */
export const TOOL_IMPORT = /^letsgo-worker(?:\/(runtime|queue))?$/;
/** The project's own workspace packages: normal resolution first, then the fallback. */
export const WORKSPACE_IMPORT = /^@letsgo\/(types|queue)$/;

/** dist/<entry>/index.js next to the compiled tool; src/<entry>/index.ts when run from source. */
export function toolEntry(specifier: string): string {
  const entry = TOOL_IMPORT.exec(specifier)?.[1] ?? "runtime";
  for (const candidate of [`../${entry}/index.js`, `../${entry}/index.ts`]) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new LetsgoError(`letsgo-worker's ${entry} is missing from its installation (dist/${entry}/index.js): reinstall letsgo-worker.`);
}

export function runtimeEntry(): string {
  return toolEntry("letsgo-worker/runtime");
}

/**
 * Where `@letsgo/<name>` goes when normal resolution finds nothing:
 * packages/<name>/index.ts beside packages/types (`typesIndex`), if it exists.
 */
export function workspaceFallback(typesIndex: string, specifier: string): string | undefined {
  const name = WORKSPACE_IMPORT.exec(specifier)?.[1];
  if (!name) return undefined;
  const file = path.join(path.dirname(path.dirname(typesIndex)), name, "index.ts");
  return existsSync(file) ? file : undefined;
}
