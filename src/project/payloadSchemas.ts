/**
 * The payload shapes of a project's messages, read from @letsgo/types
 * (packages/types/index.ts) by the TypeScript checker: every exported interface
 * or type whose `type` is one string (an enum member or a literal) and which has
 * a `payload` gives that message type's shape. The user writes no second
 * schema; what the checker resolves (unions, optional fields, arrays, nested
 * and named types, enums, template literals, Partial/Pick/Record...) is what is
 * checked (../runtime/payloadShape.ts).
 *
 * Decisions, also in the README:
 * - Extra fields are allowed, as TypeScript's structural typing allows them.
 * - `Date` (and bigint, Map, Set, functions, methods, binary) cannot travel in
 *   JSON: a handler typed `Date` would get a string. Such a field refuses every
 *   value, with a message to declare it `string` (ISO 8601) instead; deriving warns.
 * - JSON has one spelling for some values: a string enum member travels as its
 *   string, a branded primitive as its primitive, and a field whose type admits
 *   undefined may be absent.
 * - `any`, `unknown` and a payload typed `any` check nothing.
 *
 * - A payload type too large or too slow to derive (over DERIVATION_LIMITS) is
 *   left unchecked, with a warning that says so: deriving always ends.
 *
 * Loading the compiler costs ~0.5 s: `dev` derives in a separate process and
 * keeps the result (../dev/types/payloadSchemaSource.ts); `build` derives once per image.
 */
import { existsSync } from "node:fs";
import path from "node:path";
// Loaded with require, not import: an ESM import of CommonJS first scans it (ts-morph, then TypeScript's 9 MB) for named exports, ~70 ms of every add-message.
import { createRequire } from "node:module";
// Named so: tsc turns the next line into a createRequire call of its own; tsx (esbuild) into a call of this one.
const require = createRequire(import.meta.url);
import tsMorph = require("ts-morph");
import Project = tsMorph.Project;
import ts = tsMorph.ts;
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";
import { DerivationBudgetError, ShapeDeriver, type ProbeTypes } from "./shapeDeriver.js";

export interface DerivedPayloadSchemas {
  schemas: PayloadSchemas;
  /** Things a person should change, e.g. a `Date` field. One line each. */
  warnings: string[];
  /** Every file the types were read from (the cache's key). */
  files: string[];
}

/** How much deriving may take: per payload type, and for all of them. */
export const DERIVATION_LIMITS = { maxShapesPerPayload: 50_000, milliseconds: 15_000 };

/** Declarations the deriver compares against (see ProbeTypes); never part of the project. */
const PROBE_FILE = "__letsgo_worker_payload_probe__.ts";
const PROBE_SOURCE = "export type Empty = {};\nexport type UnknownArray = unknown[];\nexport type NeverArray = never[];\n";

export function derivePayloadSchemas(typesIndex: string, limits = DERIVATION_LIMITS): DerivedPayloadSchemas {
  const empty: DerivedPayloadSchemas = { schemas: { v: 1, messages: {}, defs: {} }, warnings: [], files: [] };
  if (!existsSync(typesIndex)) return empty;
  // ts-morph's Project, not ts.createProgram: it carries the TypeScript lib files itself.
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      // The scaffold's lib (apps/worker/tsconfig.json), no DOM and no @types: the checker's answers
      // on strings, arrays and functions (their methods, Function's name...) depend on it.
      lib: ["lib.es2023.d.ts"],
      types: [],
    },
  });
  project.addSourceFileAtPath(typesIndex);
  project.resolveSourceFileDependencies();
  const probePath = path.join(path.dirname(typesIndex), PROBE_FILE);
  project.createSourceFile(probePath, PROBE_SOURCE, { overwrite: true });
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(typesIndex);
  const files = program
    .getSourceFiles()
    .filter((file) => !program.isSourceFileDefaultLibrary(file) && path.basename(file.fileName) !== PROBE_FILE)
    .map((file) => path.resolve(file.fileName));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!source || !moduleSymbol) return { ...empty, files };

  const deriver = new ShapeDeriver(
    checker,
    (file) => program.isSourceFileDefaultLibrary(file) || /[\\/]@types[\\/]node[\\/]/.test(file.fileName),
    probeTypes(checker, program.getSourceFile(probePath)!),
  );
  const deadline = performance.now() + limits.milliseconds;
  const unchecked: string[] = [];
  const messages: PayloadSchemas["messages"] = {};
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
    const declared = checker.getDeclaredTypeOfSymbol(symbol);
    if (isGeneric(symbol)) continue;
    const typeProperty = checker.getPropertyOfType(declared, "type");
    const payloadProperty = checker.getPropertyOfType(declared, "payload");
    if (!typeProperty || !payloadProperty) continue;
    const typeOfType = checker.getTypeOfSymbol(typeProperty);
    if (!typeOfType.isStringLiteral()) continue;
    const messageType = typeOfType.value;
    if (Object.hasOwn(messages, messageType)) continue; // the first declaration names it
    deriver.site = `${exported.name}.payload`;
    let payload;
    try {
      payload = deriver.payload(checker.getTypeOfSymbol(payloadProperty), { maxShapes: limits.maxShapesPerPayload, deadline });
    } catch (error) {
      if (!(error instanceof DerivationBudgetError)) throw error;
      unchecked.push(`${exported.name}.payload (${error.message})`);
      payload = { k: "any" } as const;
    }
    messages[messageType] = { declaredAs: exported.name, payload };
  }
  const warnings = [...new Set(deriver.warnings)];
  const types = [...new Set([...messageTypeEnumValues(checker, moduleSymbol), ...Object.keys(messages)])].sort();
  if (unchecked.length > 0) {
    warnings.push(`${unchecked.join(", ")}: too large to check at run time, so ${unchecked.length === 1 ? "it is" : "they are"} not checked; simplify the type or split it into named interfaces.`);
  }
  return { schemas: { v: 1, messages, defs: usedDefs(messages, deriver.defs), types }, warnings, files };
}

/** The string values of the exported `MessageType` enum: the types the project declares, interface or not. */
function messageTypeEnumValues(checker: ts.TypeChecker, moduleSymbol: ts.Symbol): string[] {
  const exported = checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.getName() === "MessageType");
  const symbol = exported && exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Enum)) return [];
  const values: string[] = [];
  symbol.exports?.forEach((member) => {
    const declaration = member.valueDeclaration;
    const value = declaration && ts.isEnumMember(declaration) ? checker.getConstantValue(declaration) : undefined;
    if (typeof value === "string") values.push(value);
  });
  return values;
}

function probeTypes(checker: ts.TypeChecker, probe: ts.SourceFile): ProbeTypes {
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(probe)!);
  const type = (name: string) => checker.getDeclaredTypeOfSymbol(exports.find((symbol) => symbol.getName() === name)!);
  return { empty: type("Empty"), unknownArray: type("UnknownArray"), neverArray: type("NeverArray") };
}

/** The defs some message reaches: a payload given up on may have left some half made. */
function usedDefs(messages: PayloadSchemas["messages"], defs: PayloadSchemas["defs"]): PayloadSchemas["defs"] {
  const used: PayloadSchemas["defs"] = {};
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== "object" || value === null) return;
    const shape = value as { k?: unknown; name?: unknown };
    if (shape.k === "ref" && typeof shape.name === "string" && !Object.hasOwn(used, shape.name) && Object.hasOwn(defs, shape.name)) {
      used[shape.name] = defs[shape.name]!;
      visit(defs[shape.name]);
    }
    for (const item of Object.values(value)) visit(item);
  };
  for (const message of Object.values(messages)) visit(message.payload);
  return used;
}

function isGeneric(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (declaration) => (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration)) && (declaration.typeParameters?.length ?? 0) > 0,
  );
}
