// Replaces tsc's dist/cli/main.js with one file holding the command-line layer
// (src/cli, the small modules it declares commands with, and commander), so a
// start-up such as `letsgo-worker --help` reads and compiles one module instead
// of ~35 and skips Node's CommonJS-to-ESM wrapping of commander.
// Every command's work stays where tsc put it and is imported when the command
// runs: a dynamic import is kept as it is written, and src/cli sits at the same
// depth as dist/cli, so "../dev/worker.js" still names dist/dev/worker.js. The
// error classes stay one module (dist/errors.js) shared by both sides, so
// `instanceof LetsgoError` holds for errors thrown in lazily loaded code.
// Usage (npm run build does it): node scripts/bundle-cli.mjs
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cliDir = path.join(root, "src", "cli");
/** Modules whose identity matters (classes checked with instanceof): imported from dist, never copied in. */
const SHARED = new Set([path.join(root, "src", "errors.ts")]);

/** The specifier of a src module as seen from dist/cli (the same relative path, .ts → .js). */
function fromDistCli(file) {
  const relative = path.relative(cliDir, file).split(path.sep).join("/").replace(/\.ts$/, ".js");
  return relative.startsWith(".") ? relative : `./${relative}`;
}

await esbuild.build({
  absWorkingDir: root,
  entryPoints: [path.join(cliDir, "main.ts")],
  outfile: path.join(root, "dist", "cli", "main.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // commander is CommonJS: its require() calls of Node built-ins need one in ESM.
  banner: { js: 'import{createRequire as __letsgoCreateRequire}from"node:module";const require=__letsgoCreateRequire(import.meta.url);' },
  logLevel: "warning",
  plugins: [
    {
      name: "cli-layer-only",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined; // inside commander
          const bare = !args.path.startsWith(".") && !path.isAbsolute(args.path);
          if (bare) return args.path === "commander" ? undefined : { path: args.path, external: true };
          const file = path.resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
          if (args.kind === "dynamic-import" || SHARED.has(file)) return { path: fromDistCli(file), external: true };
          return { path: file };
        });
      },
    },
  ],
});
