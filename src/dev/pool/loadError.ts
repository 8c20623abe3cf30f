/**
 * Why the user's module did not load, in words worth printing: the error's
 * message and the stack frames in the user's code (at their .ts lines, through
 * the bundle's source map), without Node's loader frames, the handler process's,
 * or the bundle's own glue (its generated entry, its lazy module initialisers).
 */
const LOADER_FRAME = /\(node:|at node:|[\\/]dev[\\/]child\.[jt]s|[\\/]letsgo-worker-child-|[\\/]\.letsgo[\\/]bundle[\\/]|letsgo-worker-entry\.mjs/;
const MAX_FRAMES = 5;

export function describeLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const head = `${error.name}${(error as NodeJS.ErrnoException).code ? ` [${(error as NodeJS.ErrnoException).code}]` : ""}: ${error.message}`;
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && !LOADER_FRAME.test(line))
    .slice(0, MAX_FRAMES);
  const hint = missingPackageHint(error);
  return [head, ...frames, ...(hint ? [hint] : [])].join("\n");
}

/** The first `count` lines of a load error: enough for a banner, the log has the rest. */
export function loadErrorSummary(error: string, count = 3): string[] {
  return error.split("\n").filter((line) => line.trim() !== "").slice(0, count);
}

function missingPackageHint(error: Error): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  const name = /Cannot find (?:package|module) '([^']+)'/.exec(error.message)?.[1];
  return name && !/^[./]|^[A-Za-z]:[\\/]|^file:/.test(name) ? `hint: "${name}" is not installed: add it to apps/worker/package.json and run npm install in the project root.` : undefined;
}
