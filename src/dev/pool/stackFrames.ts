/**
 * A handler's error stack, made short for a terminal: the frames of the user's
 * own code (under apps/worker/src or packages/ of the project, never
 * node_modules, node:internal or letsgo-worker's runtime), with paths
 * relative to the project root. Pure: no I/O, the root is given (or read off
 * the stack itself).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** How many user frames are shown by default. */
export const DEFAULT_FRAME_LIMIT = 3;

interface Frame {
  /** The function as V8 names it ("helper", "async Promise.all", "new Order"), if any. */
  name?: string;
  /** The file as a path (file: URLs converted), when the frame names one. */
  file?: string;
  /** ":line:col" after the file. */
  position: string;
  /** The line as V8 wrote it, trimmed ("at helper (/abs/helper.ts:4:12)"). */
  text: string;
}

const FRAME_LINE = /^\s+at\s+(.*)$/;
const NAMED = /^(.*?) \((.*)\)$/;
const LOCATION = /^(.*?)((?::\d+){1,2})$/;

/** One stack line as a frame; undefined for an error line (the message, "Caused by: ..."). */
function parseFrame(line: string): Frame | undefined {
  const body = FRAME_LINE.exec(line)?.[1];
  if (body === undefined) return undefined;
  const named = NAMED.exec(body);
  const location = named ? named[2]! : body;
  const at = LOCATION.exec(location);
  const frame: Frame = { text: `at ${body}`, position: at?.[2] ?? "" };
  if (named) frame.name = named[1]!;
  if (at) frame.file = toPath(at[1]!);
  return frame;
}

function toPath(location: string): string {
  if (!location.startsWith("file://")) return location;
  try {
    return fileURLToPath(location);
  } catch {
    return location;
  }
}

/** The file relative to `root` when it lies inside it. */
function inside(root: string, file: string | undefined): string | undefined {
  if (file === undefined || !path.isAbsolute(file)) return undefined;
  const relative = path.relative(root, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? undefined : relative;
}

/** The user's own code: apps/worker/src or packages/ of the project, outside any node_modules. */
function isUserFile(relative: string): boolean {
  const parts = relative.split(/[\\/]/);
  if (parts.includes("node_modules")) return false;
  return (parts[0] === "apps" && parts[1] === "worker" && parts[2] === "src") || parts[0] === "packages";
}

/** The frame as shown: its file relative to the root when inside it. */
function shown(frame: Frame, relative: string | undefined): string {
  if (relative === undefined) return frame.text;
  const location = `${relative.split(path.sep).join("/")}${frame.position}`;
  return frame.name === undefined ? `at ${location}` : `at ${frame.name} (${location})`;
}

/**
 * The project root a stack's frames point into, read off the first frame in an
 * apps/worker/src directory (outside node_modules): for a stack shown where the
 * project's directory is not known, or not the one the worker ran in.
 */
export function stackProjectRoot(stack: string): string | undefined {
  for (const line of stack.split("\n")) {
    const file = parseFrame(line)?.file;
    if (file === undefined || !path.isAbsolute(file)) continue;
    const parts = file.split(/[\\/]/);
    for (let i = parts.length - 4; i >= 0; i--) {
      if (parts[i] === "apps" && parts[i + 1] === "worker" && parts[i + 2] === "src" && !parts.slice(0, i).includes("node_modules")) {
        return file.slice(0, parts.slice(0, i).join("/").length) || path.parse(file).root;
      }
    }
  }
  return undefined;
}

/**
 * The first `limit` frames of the user's code, as "at helper (apps/worker/src/helper.ts:4:12)".
 * Frames under `root` are looked for first; when none are (the stack came from
 * a project elsewhere), under the root the stack itself points into.
 */
export function userFrames(stack: string, root: string | undefined, limit = DEFAULT_FRAME_LIMIT): string[] {
  const pick = (base: string) => {
    const out: string[] = [];
    for (const line of stack.split("\n")) {
      if (out.length >= limit) break;
      const frame = parseFrame(line);
      const relative = frame && inside(base, frame.file);
      if (frame && relative !== undefined && isUserFile(relative)) out.push(shown(frame, relative));
    }
    return out;
  };
  const base = root === undefined ? undefined : path.resolve(root);
  const found = base === undefined ? [] : pick(base);
  if (found.length > 0) return found;
  const inferred = stackProjectRoot(stack);
  return inferred === undefined || inferred === base ? found : pick(inferred);
}

/**
 * The whole stack but its first line (the error line, shown already): every
 * frame, project paths made relative to `root`, and any "Caused by:" errors.
 */
export function fullStackLines(stack: string, root: string | undefined): string[] {
  const given = root ?? stackProjectRoot(stack);
  const base = given === undefined ? undefined : path.resolve(given);
  return stack
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const frame = parseFrame(line);
      if (!frame) return line.trimEnd();
      return shown(frame, base === undefined ? undefined : inside(base, frame.file));
    });
}

/** What a console shows under an error line: the first user frames, or with `verbose` the whole stack. */
export function stackLinesToShow(stack: string | undefined, root: string | undefined, verbose: boolean): string[] {
  if (stack === undefined || stack === "") return [];
  return verbose ? fullStackLines(stack, root) : userFrames(stack, root);
}

/**
 * A stack for a page: the user's own frames first (paths relative to the
 * project), then the rest (node_modules, node:internal, letsgo-worker's
 * runtime), which a page folds away. The error line itself is left out.
 */
export function foldedStack(stack: string, root: string | undefined): { user: string[]; other: string[] } {
  const all = fullStackLines(stack, root);
  const user = new Set(userFrames(stack, root, Infinity));
  return { user: all.filter((line) => user.has(line)), other: all.filter((line) => !user.has(line)) };
}
