/**
 * What apps/worker/package.json says about the image. Packages that cannot be
 * bundled (native addons, packages that read their own files at run time) are
 * listed under the `letsgo-worker.install` key:
 *
 *   "dependencies": { "sharp": "^0.34.0" },
 *   "letsgo-worker": { "install": ["sharp"] }
 *
 * They stay out of the bundle and npm installs them inside the image, so native
 * code is built for the image's platform. Versions come from `dependencies`.
 */
import { readFile } from "node:fs/promises";
import { ProjectError } from "../errors.js";

export const INSTALL_KEY = "letsgo-worker";

interface WorkerPackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [INSTALL_KEY]?: { install?: unknown };
}

/** Read the install list; a missing package.json means nothing to install. */
export async function readImageInstalls(packageJsonPath: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(packageJsonPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let parsed: WorkerPackageJson;
  try {
    parsed = JSON.parse(text) as WorkerPackageJson;
  } catch (error) {
    throw new ProjectError(`${packageJsonPath} is not valid JSON: fix it and run build again.`, { cause: error });
  }
  return imageInstalls(parsed, packageJsonPath);
}

export function imageInstalls(pkg: WorkerPackageJson, where = "apps/worker/package.json"): Record<string, string> {
  const list = pkg[INSTALL_KEY]?.install;
  if (list === undefined) return {};
  if (!Array.isArray(list) || !list.every((name) => typeof name === "string" && name.length > 0)) {
    throw new ProjectError(`${where}: "${INSTALL_KEY}".install must be a list of package names, e.g. ["sharp"].`);
  }
  const versions = { ...pkg.optionalDependencies, ...pkg.dependencies };
  const install: Record<string, string> = {};
  for (const name of list as string[]) {
    const version = versions[name];
    if (!version) {
      throw new ProjectError(
        `${where}: "${name}" is listed under "${INSTALL_KEY}".install but not in "dependencies": add it there with the version to install.`,
      );
    }
    install[name] = version;
  }
  return install;
}
