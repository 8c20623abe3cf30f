/**
 * Bundle apps/worker/src/index.ts and everything it imports into one minified
 * ESM file for Node 22, with a source map. Only what the Lambda base image
 * provides (the AWS SDK v3) and what the user asks to install in the image stay
 * outside. `letsgo-worker/runtime` always resolves to this tool's own runtime,
 * so the image runs the runtime the CLI was tested with. `dev` runs its handler
 * processes on a bundle of the same configuration (../dev/reload/bundler.ts).
 */
import path from "node:path";
import * as esbuild from "esbuild";
import { LetsgoError } from "../errors.js";
import { runtimeEntry, TOOL_IMPORT, toolEntry, WORKSPACE_IMPORT, workspaceFallback } from "../project/letsgoImports.js";
import { requireWorkerFiles, workerPaths } from "../project/paths.js";
import { BUNDLE_FILE, SOURCE_MAP_FILE } from "./dockerfile.js";
import { BundleError, type BundleProblem } from "./errors.js";
import { projectFiles, type GuardedFile } from "./secretGuard.js";
import { updatePayloadSchemasModule } from "../project/payloadSchemasModule.js";
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";

/** Provided by public.ecr.aws/lambda/nodejs:22 at /var/runtime/node_modules. */
export const BASE_IMAGE_PROVIDES = ["@aws-sdk/*"];

export interface BundleOptions {
  /** The project root (holding apps/worker). */
  cwd: string;
  /** Packages left out of the bundle because they are installed in the image. */
  external?: readonly string[];
  /** Default true; false gives readable output when debugging. */
  minify?: boolean;
}

export interface WorkerBundle {
  code: Buffer;
  sourceMap: Buffer;
  /** Files as they go into ${LAMBDA_TASK_ROOT}. */
  fileName: typeof BUNDLE_FILE;
  sourceMapName: typeof SOURCE_MAP_FILE;
  /** Imports left to the image: the base image's SDK and the install list. */
  external: string[];
  warnings: string[];
  /** What the image checks payloads against, by message type. */
  payloadSchemas: PayloadSchemas;
  /** Input files and their bytes in the bundle, largest first (from esbuild's metafile). */
  inputs: Array<{ path: string; bytes: number }>;
  /**
   * The project's own files the bundle was made from, and the files their source
   * names that exist (data read at run time), for the secret guard: node_modules,
   * the runtime and .env files left out.
   */
  loaded: GuardedFile[];
}

// ESM output has no `require`; CommonJS packages inside the bundle still call it
// for Node built-ins, so give the module one.
const REQUIRE_SHIM =
  'import{createRequire as __letsgoCreateRequire}from"node:module";const require=__letsgoCreateRequire(import.meta.url);';

/**
 * The bundle's entry: install the payload shapes derived from @letsgo/types, load
 * the secrets, then the user's Lambda entry, and hand on its handler.
 */
const ENTRY_MODULE_NAME = "letsgo-worker-entry.mjs";

/** The entry's import of the derived payload shapes, a module the build makes (payloadSchemasPlugin). */
const PAYLOAD_SCHEMAS_IMPORT = "letsgo-worker-payload-schemas";

function entryModule(userEntry: string): string {
  const specifier = JSON.stringify(`./${userEntry.split(path.sep).join("/")}`);
  return [
    'import { loadWorkerSecrets, setPayloadSchemas } from "letsgo-worker/runtime/host";',
    `import payloadSchemas from "${PAYLOAD_SCHEMAS_IMPORT}";`,
    "setPayloadSchemas(payloadSchemas);",
    "await loadWorkerSecrets();",
    `const worker = await import(${specifier});`,
    "export const handler = worker.handler;",
    "",
  ].join("\n");
}

/** What both builds of the worker (the image's, and `dev`'s handler processes') need to know. */
export interface WorkerBuildInput {
  /** The project root: source-map and error paths are relative to it. */
  root: string;
  /** The module whose `handler` the bundle hands on (apps/worker/src/index.ts; server.ts in dev when it exists). */
  entry: string;
  /** packages/types/index.ts, where `@letsgo/types` goes when it is not installed. */
  typesIndex: string;
  /** Imports left out: the base image's SDK and the install list. */
  external: readonly string[];
  /** Names the outputs (they are not written by esbuild) and places the source map's paths. */
  outfile: string;
  /** esbuild target, e.g. "node22". */
  target: string;
  minify: boolean;
  /**
   * The payload shapes the runtime checks messages against (../project/payloadSchemas.ts).
   * A promise: deriving them (the TypeScript checker) runs while esbuild bundles.
   */
  payloadSchemas: Promise<PayloadSchemas>;
}

/**
 * The one esbuild configuration of the worker. `dev` runs the same bundle the
 * image runs (unminified, for the local Node): the same resolution of LetsGo
 * imports, the same entry, the same externals, so what fails to bundle or load in
 * AWS fails the same way locally.
 */
export function workerBuildOptions(input: WorkerBuildInput): esbuild.BuildOptions & { write: false; metafile: true } {
  return {
    absWorkingDir: input.root,
    // The user's entry is imported only after the secrets are in process.env: a
    // module that reads one at load time sees it in AWS as it does in dev
    // (esbuild makes the dynamic import a lazily initialised part of the one file).
    stdin: {
      contents: entryModule(path.relative(input.root, input.entry)),
      resolveDir: input.root,
      sourcefile: ENTRY_MODULE_NAME,
      loader: "js",
    },
    outfile: input.outfile,
    write: false,
    bundle: true,
    platform: "node",
    target: input.target,
    format: "esm",
    minify: input.minify,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    banner: { js: REQUIRE_SHIM },
    external: [...input.external],
    logLevel: "silent",
    plugins: [letsgoResolvePlugin(input.typesIndex), payloadSchemasPlugin(input.payloadSchemas)],
  };
}

/** esbuild's errors, each with file and line, when it could not bundle. */
export function bundleProblems(error: unknown): BundleProblem[] | undefined {
  const failure = error as Partial<esbuild.BuildFailure>;
  return Array.isArray(failure.errors) ? failure.errors.map(toProblem) : undefined;
}

export async function bundleWorker({ cwd, external = [], minify = true }: BundleOptions): Promise<WorkerBundle> {
  const paths = workerPaths(cwd);
  requireWorkerFiles(paths, paths.entry);
  const externals = [...BASE_IMAGE_PROVIDES, ...external];
  // The TypeScript checker loads here only: dev's process imports this module for workerBuildOptions and must not carry it.
  const { derivePayloadSchemas } = await import("../project/payloadSchemas.js");
  const derived = derivePayloadSchemas(paths.typesIndex);
  // The app's copy of the shapes follows the types; when it had fallen behind, the app itself needs a rebuild to check with them.
  const appShapesRewritten = await updatePayloadSchemasModule(paths, derived.schemas);
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build(
      workerBuildOptions({
        root: paths.root,
        entry: paths.entry,
        typesIndex: paths.typesIndex,
        external: externals,
        // Never written: the path names the outputs and makes source-map paths
        // project-relative (apps/worker/src/...), as they then read in stack traces.
        outfile: path.join(paths.root, BUNDLE_FILE),
        target: "node22",
        minify,
        payloadSchemas: Promise.resolve(derived.schemas),
      }),
    );
  } catch (error) {
    const problems = bundleProblems(error);
    if (problems) throw new BundleError(problems, { cause: error });
    throw error;
  }
  const code = result.outputFiles.find((file) => file.path.endsWith(BUNDLE_FILE));
  const map = result.outputFiles.find((file) => file.path.endsWith(SOURCE_MAP_FILE));
  if (!code || !map) throw new LetsgoError("esbuild produced no bundle: this is a bug in letsgo-worker.");
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined);
  const inputs = Object.entries(output?.inputs ?? {})
    .map(([input, info]) => ({ path: input, bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    code: Buffer.from(code.contents),
    sourceMap: Buffer.from(relocateSources(map.text, paths.root)),
    fileName: BUNDLE_FILE,
    sourceMapName: SOURCE_MAP_FILE,
    external: externals,
    warnings: [
      ...derived.warnings.map((warning) => `${path.relative(paths.root, paths.typesIndex)}: ${warning}`),
      ...(appShapesRewritten
        ? [`${path.relative(paths.root, paths.payloadSchemasModule)} did not match packages/types/index.ts and was rewritten: rebuild and redeploy your app, whose enqueue() checks payloads with it.`]
        : []),
      ...result.warnings.map((warning) => formatWarning(toProblem(warning))),
    ],
    payloadSchemas: derived.schemas,
    inputs,
    loaded: await projectFiles(paths.root, Object.keys(result.metafile.inputs)),
  };
}

/**
 * Sources outside the project (this tool's runtime, wherever it is installed)
 * are renamed to where an npm install would put them, so the map, and with it the
 * image tag, does not depend on the machine the build ran on.
 */
function relocateSources(mapText: string, projectRoot: string): string {
  const map = JSON.parse(mapText) as { sources: string[] };
  const toolRoot = path.resolve(path.dirname(runtimeEntry()), "..", "..");
  map.sources = map.sources.map((source) => {
    if (!source.startsWith("..")) return source;
    const absolute = path.resolve(projectRoot, source);
    const inTool = path.relative(toolRoot, absolute);
    if (inTool.startsWith("..") || path.isAbsolute(inTool)) return source;
    return ["node_modules", "letsgo-worker", ...inTool.split(path.sep)].join("/");
  });
  return JSON.stringify(map);
}

/** The rule of ../project/letsgoImports.ts (shared with `dev`'s handler process), as an esbuild plugin. */
function letsgoResolvePlugin(typesIndex: string): esbuild.Plugin {
  return {
    name: "letsgo-resolve",
    setup(build) {
      build.onResolve({ filter: TOOL_IMPORT }, (args) => ({ path: toolEntry(args.path) }));
      build.onResolve({ filter: WORKSPACE_IMPORT }, async (args) => {
        if (args.pluginData === "letsgo-fallback") return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "letsgo-fallback",
        });
        if (found.errors.length === 0) return { path: found.path, external: found.external, sideEffects: found.sideEffects };
        const fallback = workspaceFallback(typesIndex, args.path);
        return fallback ? { path: fallback } : { errors: found.errors };
      });
    },
  };
}

/** The entry's `letsgo-worker-payload-schemas`: the derived shapes as a JSON module, once they are known. */
function payloadSchemasPlugin(schemas: Promise<PayloadSchemas>): esbuild.Plugin {
  return {
    name: "letsgo-payload-schemas",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${PAYLOAD_SCHEMAS_IMPORT}$`) }, () => ({ path: PAYLOAD_SCHEMAS_IMPORT, namespace: "letsgo-payload-schemas" }));
      build.onLoad({ filter: /.*/, namespace: "letsgo-payload-schemas" }, async () => ({ contents: JSON.stringify(await schemas), loader: "json" }));
    },
  };
}

export { runtimeEntry };

function toProblem(message: esbuild.Message): BundleProblem {
  const location = message.location;
  return {
    text: message.text,
    file: location?.file,
    line: location?.line,
    column: location?.column,
    lineText: location?.lineText,
  };
}

function formatWarning(problem: BundleProblem): string {
  const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}` : ""}: ` : "";
  return `${where}${problem.text}`;
}
