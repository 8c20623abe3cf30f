/**
 * Commands work from anywhere inside a project, as git does: the project root is
 * the nearest folder, from the starting one upward, that holds apps/worker. So
 * `npm run dev -w apps/worker` (run inside apps/worker) and a command typed in
 * apps/worker/src/handlers reach the same project as one typed at the root.
 */
import path from "node:path";
import { hasWorker } from "./paths.js";

export function findProjectRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (hasWorker(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
