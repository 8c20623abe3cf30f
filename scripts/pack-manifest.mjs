// The package.json that npm pack and npm publish ship: this one without its
// scripts and devDependencies. A user's install runs none of our lifecycle
// scripts (prepare would try to build from src/, which is not shipped).
// npm reads the manifest after prepack and before postpack, so:
//   prepack:  node scripts/pack-manifest.mjs strip    (keeps the original aside)
//   postpack: node scripts/pack-manifest.mjs restore  (puts it back, byte for byte)
import { existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = path.join(root, "package.json");
const original = path.join(root, ".package.json.before-pack");

const mode = process.argv[2];
if (mode === "strip") {
  // A pack that failed between the two steps left the stripped one: put the original back first.
  if (existsSync(original)) renameSync(original, manifest);
  const text = readFileSync(manifest, "utf8");
  const { atime, mtime } = statSync(manifest);
  writeFileSync(original, text);
  utimesSync(original, atime, mtime); // put back unchanged to the second: the next build still sees nothing new
  const { scripts: _scripts, devDependencies: _devDependencies, ...published } = JSON.parse(text);
  writeFileSync(manifest, JSON.stringify(published, null, 2) + "\n");
} else if (mode === "restore") {
  if (existsSync(original)) renameSync(original, manifest);
} else {
  console.error("usage: node scripts/pack-manifest.mjs strip|restore");
  process.exit(2);
}
