/**
 * The process a type check runs in (./typecheck.ts): the compiler loads here,
 * and its memory leaves with the process.
 *
 * Usage (by the parent only): node typecheckProcess.js <project root> <tsconfig.json>
 * It sends one message: the result without its time, or { error }.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TOOL_IMPORT, toolEntry, WORKSPACE_IMPORT, workspaceFallback } from "./letsgoImports.js";
import type { TypeDiagnostic, TypecheckResult } from "./typecheck.js";
import { MAX_SHOWN_ERRORS } from "./typecheck.js";

type Ts = typeof import("typescript");

/**
 * The project's own TypeScript, as its `tsc` would be; without one, this tool's
 * copy (ts-morph's, whose Project carries the lib files).
 */
function projectCompiler(tsconfig: string): Ts | undefined {
  try {
    // require, not import(): the compiler is CommonJS, and Node's ESM wrapper around 9 MB of it costs ~0.5 s.
    return createRequire(tsconfig)("typescript") as Ts;
  } catch {
    return undefined;
  }
}

type ResolvedModule = import("typescript").ResolvedModuleFull;

/**
 * The bundler's rule for LetsGo imports (./letsgoImports.ts), so a project
 * type-checks as it bundles, installed or not: letsgo-worker to this
 * installation's declarations, @letsgo/* to the workspace package or
 * packages/<name>/index.ts. Undefined: resolve as the compiler would.
 */
function letsgoModule(ts: Ts, name: string, typesIndex: string, resolve: () => ResolvedModule | undefined): ResolvedModule | undefined {
  const forced = TOOL_IMPORT.test(name) ? toolTypes(name) : undefined;
  if (forced) return { resolvedFileName: forced, extension: forced.endsWith(".d.ts") ? ts.Extension.Dts : ts.Extension.Ts, isExternalLibraryImport: false };
  const found = resolve();
  if (found || !WORKSPACE_IMPORT.test(name)) return found;
  const fallback = workspaceFallback(typesIndex, name);
  return fallback ? { resolvedFileName: fallback, extension: ts.Extension.Ts, isExternalLibraryImport: false } : undefined;
}

/** packages/types/index.ts of the project whose apps/worker/tsconfig.json this is. */
function typesIndexOf(tsconfig: string): string {
  return path.join(path.dirname(path.dirname(path.dirname(tsconfig))), "packages", "types", "index.ts");
}

/** With the project's TypeScript: its program, LetsGo imports resolved by the rule, type packages it lacks (@types/node) from this installation. */
function program(ts: Ts, parsed: import("typescript").ParsedCommandLine, tsconfig: string): import("typescript").Program {
  const options = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const typesIndex = typesIndexOf(tsconfig);
  const fromTool = fileURLToPath(import.meta.url);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions) =>
    literals.map((literal) => {
      const normal = ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, undefined, redirected);
      const resolvedModule = letsgoModule(ts, literal.text, typesIndex, () => normal.resolvedModule);
      return resolvedModule === normal.resolvedModule ? normal : { resolvedModule };
    });
  host.resolveTypeReferenceDirectiveReferences = (references, containingFile, redirected, compilerOptions) =>
    references.map((reference) => {
      const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
      const found = ts.resolveTypeReferenceDirective(name, containingFile, compilerOptions, host, redirected);
      return found.resolvedTypeReferenceDirective ? found : ts.resolveTypeReferenceDirective(name, fromTool, compilerOptions, host, redirected);
    });
  return ts.createProgram({ rootNames: parsed.fileNames, options, host, ...(parsed.projectReferences ? { projectReferences: parsed.projectReferences } : {}) });
}

/** With this tool's TypeScript: a ts-morph Project on the tsconfig, resolving by the same rule. */
async function morphProgram(tsconfig: string): Promise<{ ts: Ts; program: import("typescript").Program }> {
  // require, not import: an ESM import first scans ts-morph's CommonJS (and TypeScript's) for named exports.
  const { Project, ts: morphTs } = createRequire(import.meta.url)("ts-morph") as typeof import("ts-morph");
  const ts = morphTs as unknown as Ts;
  const typesIndex = typesIndexOf(tsconfig);
  const fromTool = fileURLToPath(import.meta.url);
  const project = new Project({
    tsConfigFilePath: tsconfig,
    compilerOptions: { noEmit: true },
    resolutionHost: (host, getOptions) => ({
      resolveModuleNames: (names, containingFile) =>
        names.map((name) => letsgoModule(ts, name, typesIndex, () => morphTs.resolveModuleName(name, containingFile, getOptions(), host).resolvedModule as ResolvedModule | undefined)),
      resolveTypeReferenceDirectives: (references, containingFile) =>
        references.map((reference) => {
          const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
          return (
            morphTs.resolveTypeReferenceDirective(name, containingFile, getOptions(), host).resolvedTypeReferenceDirective ??
            morphTs.resolveTypeReferenceDirective(name, fromTool, getOptions(), host).resolvedTypeReferenceDirective
          );
        }),
    }),
  });
  return { ts, program: project.getProgram().compilerObject as unknown as import("typescript").Program };
}

/** The declarations of this installation's `letsgo-worker[/runtime|/runtime/host|/queue]`: dist's .d.ts, else the source. */
function toolTypes(specifier: string): string | undefined {
  const entry = toolEntry(specifier);
  const declaration = entry.replace(/\.js$/, ".d.ts");
  if (existsSync(declaration)) return declaration;
  // Run from source (src/<module>.ts): the built declarations (dist/<module>.d.ts) if there are some, else the source itself.
  const src = entry.lastIndexOf(`${path.sep}src${path.sep}`);
  const built = src < 0 ? entry : `${entry.slice(0, src)}${path.sep}dist${path.sep}${entry.slice(src + 5).replace(/\.ts$/, ".d.ts")}`;
  return existsSync(built) ? built : entry;
}

async function check(root: string, tsconfig: string): Promise<Omit<TypecheckResult, "ms">> {
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");
  const own = projectCompiler(tsconfig);
  let ts: Ts;
  let diagnostics: readonly import("typescript").Diagnostic[];
  let whose: string;
  if (own) {
    ts = own;
    whose = "the project's";
    const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    diagnostics = parsed ? [...parsed.errors, ...ts.getPreEmitDiagnostics(program(ts, parsed, tsconfig))] : [];
  } else {
    const morph = await morphProgram(tsconfig);
    ts = morph.ts;
    whose = "letsgo-worker's own: the project has none";
    diagnostics = ts.getPreEmitDiagnostics(morph.program);
  }
  const errors: TypeDiagnostic[] = [];
  let total = 0;
  for (const diagnostic of diagnostics) {
    if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
    total++;
    if (errors.length >= MAX_SHOWN_ERRORS) continue;
    const where = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
    errors.push({
      file: diagnostic.file ? relative(diagnostic.file.fileName) : relative(tsconfig),
      line: (where?.line ?? 0) + 1,
      column: (where?.character ?? 0) + 1,
      code: diagnostic.code,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
    });
  }
  return { errors, total, compiler: `typescript ${ts.version} (${whose})`, tsconfig: relative(tsconfig) };
}

try {
  const result = await check(process.argv[2]!, process.argv[3]!);
  process.send!(result, () => process.exit(0));
} catch (error) {
  process.send!({ error: (error as Error).stack ?? String(error) }, () => process.exit(1));
}
