/**
 * Which of the handler's module graph is the user's: every file outside
 * node_modules and outside this tool's own code, so other workspace packages
 * too. dev watches their folders (./watch.ts) and reloads when one changes; the
 * graph is the bundle's input list (./bundler.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** This tool's own code (src/ run from source, dist/ installed): not the user's, never watched. */
const TOOL_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TOOL_CODE: readonly string[] = [path.join(TOOL_ROOT, "src") + path.sep, path.join(TOOL_ROOT, "dist") + path.sep];

const NODE_MODULES = /[\\/]node_modules[\\/]/;

/** The file, when it is the user's (an absolute path): undefined in node_modules and in this tool's code. */
export function moduleFile(file: string, toolCode: readonly string[] = TOOL_CODE): string | undefined {
  if (!path.isAbsolute(file) || NODE_MODULES.test(file) || toolCode.some((root) => file.startsWith(root))) return undefined;
  return file;
}
