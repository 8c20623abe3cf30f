/**
 * `dev`'s build of the user's code: the image's esbuild configuration
 * (../image/bundle.ts), unminified, for the local Node, written under
 * apps/worker/.letsgo/bundle/ with a source map. The handler processes run that
 * one file with plain Node, so they start in tens of milliseconds, weigh what the
 * user's code weighs (no TypeScript compiler per process), and load exactly what
 * the image would: a package the image cannot bundle fails here too, with the
 * same message.
 *
 * Each build writes a new pair of files (processes of the previous code may still
 * be starting from theirs); older pairs are removed. esbuild's service process is
 * stopped a second after a build, so a running `dev` carries none.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { BASE_IMAGE_PROVIDES, bundleProblems, workerBuildOptions } from "../../image/bundle.js";
import { formatProblem, type BundleProblem } from "../../image/errors.js";
import { readImageInstalls } from "../../image/workerPackage.js";
import { moduleFile } from "./moduleGraph.js";
import type { DerivedPayloadSchemas } from "../../project/payloadSchemas.js";
import type { PayloadSchemaSource } from "../types/payloadSchemaSource.js";
import { updatePayloadSchemasModule } from "../../project/payloadSchemasModule.js";
import { workerPaths } from "../../project/paths.js";

export interface DevBundlerOptions {
  /** The project root. */
  root: string;
  /** The module dev loads (src/index.ts, or server.ts when it exists). */
  entry: string;
  typesIndex: string;
  /** apps/worker/package.json: its install list stays out of the bundle, as in the image. */
  workerPackageJson: string;
  /** Where the bundles are written (apps/worker/.letsgo/bundle). */
  outDir: string;
  /** The payload shapes each build embeds (derived from typesIndex). */
  payloadSchemas: PayloadSchemaSource;
}

/**
 * A build: the file to run and the project files it was made from (what dev
 * watches), or why it could not be made and the files that said so.
 */
export type DevBuild =
  | { ok: true; file: string; files: string[]; buildMs: number; payloadSchemas: DerivedPayloadSchemas }
  | { ok: false; error: string; files: string[] };

/** Bundles kept: the newest, and the one before it (processes of that code may still be starting). */
const KEEP_BUILDS = 2;
/**
 * Stop esbuild's service process (~25 MB) this soon after the last build: builds
 * come at start and on a save, and starting the service again costs ~10 ms.
 */
const SERVICE_IDLE_MS = 1_000;

/** The local Node's major version as an esbuild target: syntax it runs is left as written. */
const LOCAL_TARGET = `node${process.versions.node.split(".")[0]}`;

export class DevBundler {
  private generation = 0;
  private written: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DevBundlerOptions) {}

  /** Build the current code; builds run one after another, in the order asked. */
  build(): Promise<DevBuild> {
    const next = this.queue.then(() => this.buildNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async buildNow(): Promise<DevBuild> {
    const { root, outDir } = this.options;
    const started = performance.now();
    const n = ++this.generation;
    if (n === 1) await rm(outDir, { recursive: true, force: true });
    const outfile = path.join(outDir, `worker-${n}.mjs`);
    let installs: Record<string, string>;
    try {
      installs = await readImageInstalls(this.options.workerPackageJson);
    } catch (error) {
      return { ok: false, error: (error as Error).message, files: [this.options.workerPackageJson, this.options.entry] };
    }
    // Read back, or derived when the types changed; before bundling, so the app's
    // generated packages/queue/payloadSchemas.ts is current when esbuild reads it.
    const payloadSchemas = await this.options.payloadSchemas.current();
    await updatePayloadSchemasModule(workerPaths(root), payloadSchemas.schemas).catch(() => false); // only the app's copy; the bundle embeds its own
    const esbuild = await service.acquire();
    try {
      const result = await esbuild.build(
        workerBuildOptions({
          root,
          entry: this.options.entry,
          typesIndex: this.options.typesIndex,
          external: [...BASE_IMAGE_PROVIDES, ...Object.keys(installs)],
          outfile,
          target: LOCAL_TARGET,
          minify: false,
          payloadSchemas: Promise.resolve(payloadSchemas.schemas),
        }),
      );
      await mkdir(outDir, { recursive: true });
      for (const output of result.outputFiles) await writeFile(output.path, output.contents);
      await this.prune(outfile);
      const files = [...new Set([...projectFiles(root, Object.keys(result.metafile.inputs)), ...payloadSchemas.files.filter((file) => !file.includes(`${path.sep}node_modules${path.sep}`))])];
      return { ok: true, file: outfile, files, buildMs: Math.round(performance.now() - started), payloadSchemas };
    } catch (error) {
      const problems = bundleProblems(error);
      if (!problems) return { ok: false, error: `Could not bundle the worker: ${(error as Error).message}`, files: [this.options.entry] };
      const files = problems.flatMap((problem) => (problem.file ? [path.resolve(root, problem.file)] : []));
      return { ok: false, error: describeProblems(problems), files: [this.options.entry, ...files] };
    } finally {
      service.release();
    }
  }

  /** Remove all but the newest builds. */
  private async prune(newest: string): Promise<void> {
    this.written.push(newest);
    while (this.written.length > KEEP_BUILDS) {
      const old = this.written.shift()!;
      await Promise.all([rm(old, { force: true }), rm(`${old}.map`, { force: true })]);
    }
  }
}

/** The project's own files among esbuild's inputs (not node_modules, not this tool, not the generated entry). */
function projectFiles(root: string, inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    const file = moduleFile(path.resolve(root, input));
    if (file !== undefined && path.basename(file) !== "letsgo-worker-entry.mjs") files.push(file);
  }
  return files;
}

/** esbuild's errors as dev prints a load error: each with file, line and source, then a hint when one helps. */
export function describeProblems(problems: BundleProblem[]): string {
  const shown = problems.slice(0, 10).map((problem) => formatProblem(problem).trimStart());
  const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
  const hints = [...new Set(problems.map(problemHint).filter((hint): hint is string => hint !== undefined))];
  return [...shown, ...more, ...hints].join("\n");
}

function problemHint(problem: BundleProblem): string | undefined {
  const missing = /^Could not resolve "([^"]+)"/.exec(problem.text)?.[1];
  if (missing && !/^[./]|^[A-Za-z]:[\\/]|^file:/.test(missing) && !missing.startsWith("node:")) {
    const name = missing.startsWith("@") ? missing.split("/").slice(0, 2).join("/") : missing.split("/")[0]!;
    return `hint: "${name}" is not installed: add it to apps/worker/package.json and run npm install in the project root.`;
  }
  if (/No loader is configured for "\.node" files/.test(problem.text)) {
    return 'hint: a native addon cannot be bundled: list its package under "letsgo-worker": { "install": [...] } in apps/worker/package.json, so the image (and dev) load it from node_modules.';
  }
  return undefined;
}

/**
 * esbuild's service process, shared by every bundler in this process: started by
 * the first build, stopped once no build has run for SERVICE_IDLE_MS.
 */
const service = {
  inFlight: 0,
  timer: undefined as NodeJS.Timeout | undefined,
  stopping: undefined as Promise<void> | undefined,
  async acquire(): Promise<typeof import("esbuild")> {
    clearTimeout(this.timer);
    this.inFlight++;
    await this.stopping; // a build right after the stop starts the service again
    return import("esbuild");
  },
  release(): void {
    if (--this.inFlight > 0) return;
    this.timer = setTimeout(() => {
      if (this.inFlight > 0) return;
      this.stopping = import("esbuild")
        .then((esbuild) => esbuild.stop())
        .finally(() => (this.stopping = undefined));
    }, SERVICE_IDLE_MS);
    this.timer.unref();
  },
};
