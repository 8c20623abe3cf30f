/** Reading the files in `templates/` and filling their `{{placeholders}}`. */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** templates/ sits beside dist/ in the installed package and beside src/ in a checkout. */
export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");

export async function readTemplate(relativePath: string): Promise<string> {
  return readFile(path.join(TEMPLATES_DIR, relativePath), "utf8");
}

/** Every file under a template folder, as paths relative to it, sorted. */
export async function listTemplateFiles(folder: string): Promise<string[]> {
  const root = path.join(TEMPLATES_DIR, folder);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Template placeholder {{${name}}} has no value`);
    return value;
  });
}
