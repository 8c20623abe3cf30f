import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The tool's version, from its package.json; resources are tagged with it.
 * Found by walking up from this module: it runs from src/, dist/ and, bundled
 * into the command-line layer, dist/cli/.
 */
export const VERSION: string = readVersion();

function readVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (path.dirname(dir) === dir) throw new Error("letsgo-worker's package.json is missing from its installation: reinstall letsgo-worker.");
  }
}
