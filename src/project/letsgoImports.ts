/**
 * How a worker's LetsGo imports resolve, wherever its code is loaded: by the
 * image bundler (esbuild) and by `dev`'s handler process (a Node resolve hook).
 * One rule, so a project runs the same in both, with or without `npm install`:
 *
 * - `letsgo-worker`, `letsgo-worker/runtime` (and its `/host`, the generated
 *   entry's) and `letsgo-worker/queue` always go to this installation's code:
 *   the worker runs what the CLI was tested with.
 * - `@letsgo/types` and `@letsgo/queue` resolve normally (workspace packages in
 *   node_modules) and otherwise fall back to packages/<name>/index.ts, where
 *   LetsGo keeps them.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LetsgoError } from "../errors.js";

/** Imports that always mean this installation's code; the group names the entry (none: the runtime). */
export const TOOL_IMPORT = /^letsgo-worker(?:\/(runtime|runtime\/host|queue))?$/;

/** Each entry's module under src/ (dist/ once built), as package.json's exports map them. */
const TOOL_MODULES: Record<string, string> = { runtime: "runtime/index", "runtime/host": "runtime/host", queue: "queue/index" };
/** The project's own workspace packages: normal resolution first, then the fallback. */
export const WORKSPACE_IMPORT = /^@letsgo\/(types|queue)$/;

/** dist/<module>.js next to the compiled tool; src/<module>.ts when run from source. */
export function toolEntry(specifier: string): string {
  const module = TOOL_MODULES[TOOL_IMPORT.exec(specifier)?.[1] ?? "runtime"]!;
  for (const candidate of [`../${module}.js`, `../${module}.ts`]) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new LetsgoError(`letsgo-worker's ${module} is missing from its installation (dist/${module}.js): reinstall letsgo-worker.`);
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
