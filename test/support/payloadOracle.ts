/**
 * The payload check held against the TypeScript checker. Each case is a
 * payload type (with the declarations it needs) and JSON values; two judges
 * give a verdict on every value:
 *
 * - ours: derivePayloadSchemas on a types file holding every case's message
 *   interface, then payloadProblem on the value — the path every door takes;
 * - TypeScript's: a program, compiled with `strict`, that assigns the value to
 *   the payload type, one line per value: `declare const v: <the value as a
 *   literal type>; const a: P = v;`. A declared constant is not a fresh object
 *   literal, so extra fields are allowed, as the README says they are; any
 *   error on the line is a refusal.
 *
 * Where JSON has one spelling for what TypeScript keeps apart, the case gives
 * TypeScript the JSON form (`oracleDeclarations`/`oraclePayload`): a string
 * enum member as its string, a brand as its primitive, a field whose type
 * admits undefined as optional. The README lists these rules.
 *
 * The oracle is the `typescript` package (the tsc a project runs); the
 * derivation uses ts-morph's own copy, so the two are separate builds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { derivePayloadSchemas } from "../../src/project/payloadSchemas.js";
import { payloadProblem } from "../../src/runtime/payloadShape.js";
import type { PayloadSchemas } from "../../src/runtime/payloadShapeTypes.js";

export interface PayloadCase {
  /** What it exercises, for reports. */
  name: string;
  /** Declarations (each exported) inside the case's namespace, as the project writes them. */
  declarations: string;
  /** The payload type, which may name the declarations. */
  payload: string;
  /** The same in JSON's terms, for the oracle (defaults: the above). */
  oracleDeclarations?: string;
  oraclePayload?: string;
  /** Declarations (each exported) of packages/types/other.ts, which index.ts imports. */
  otherFile?: string;
  /** The names `declarations` and `payload` use from otherFile. */
  imports?: string[];
  /** otherFile in JSON's terms, for the oracle (default: otherFile). */
  oracleOtherFile?: string;
  values: unknown[];
}

export interface Disagreement {
  case: PayloadCase;
  value: unknown;
  typescript: "accepts" | "refuses";
  ours: "accepts" | "refuses";
  /** TypeScript's message on a refusal, ours on ours. */
  why: string;
  /** The shape the payload was checked against, with the defs it names. */
  shape: string;
}

export interface OracleRun {
  cases: number;
  values: number;
  disagreements: Disagreement[];
  /** Values TypeScript accepted and refused, to show the run was not one-sided. */
  accepted: number;
  refused: number;
  derived: { milliseconds: number; schemaBytes: number; warnings: string[] };
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts"],
  types: [],
};

/** Both verdicts on every value of every case. */
export function compareWithTypeScript(cases: PayloadCase[]): OracleRun {
  const values = cases.map((c) => c.values.map((value) => JSON.parse(JSON.stringify(value)) as unknown));
  const typescript = typeScriptVerdicts(cases, values);
  const started = performance.now();
  const schemas = deriveAll(cases);
  const milliseconds = performance.now() - started;
  const disagreements: Disagreement[] = [];
  let accepted = 0;
  cases.forEach((c, i) => {
    values[i]!.forEach((value, j) => {
      const theirs = typescript[i]![j]!;
      if (theirs === undefined) accepted++;
      const problem = payloadProblem(schemas.schemas, messageType(i), value);
      if ((theirs === undefined) === (problem === undefined)) return;
      disagreements.push({
        case: c,
        value,
        typescript: theirs === undefined ? "accepts" : "refuses",
        ours: problem === undefined ? "accepts" : "refuses",
        why: theirs ?? problem!,
        shape: shapeText(schemas.schemas, messageType(i)),
      });
    });
  });
  const total = values.reduce((sum, list) => sum + list.length, 0);
  return {
    cases: cases.length,
    values: total,
    disagreements,
    accepted,
    refused: total - accepted,
    derived: { milliseconds, schemaBytes: JSON.stringify(schemas.schemas).length, warnings: schemas.warnings },
  };
}

const messageType = (i: number) => `M${i}`;

function shapeText(schemas: PayloadSchemas, type: string): string {
  const payload = schemas.messages[type]?.payload;
  const names = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    const ref = value as { k?: string; name?: string };
    if (ref.k === "ref" && ref.name && !names.has(ref.name)) {
      names.add(ref.name);
      collect(schemas.defs[ref.name]);
    }
    Object.values(value).forEach(collect);
  };
  collect(payload);
  return JSON.stringify({ payload, defs: Object.fromEntries([...names].map((name) => [name, schemas.defs[name]])) });
}

function deriveAll(cases: PayloadCase[]): { schemas: PayloadSchemas; warnings: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "letsgo-oracle-"));
  // Each case in a namespace of its own, in both files; index.ts imports other.ts's.
  const importing = cases.flatMap((c, i) => (c.imports?.length ? [i] : []));
  const index = [
    importing.length > 0 ? `import type { ${importing.map((i) => `K${i}`).join(", ")} } from "./other";` : "",
    ...cases.map((c, i) => {
      const imported = (c.imports ?? []).map((name) => `type ${name} = K${i}.${name};`).join("\n");
      return `export namespace C${i} {\n${imported}\n${c.declarations}\nexport type P = ${c.payload};\n}\nexport interface M${i}Message { type: "${messageType(i)}"; payload: C${i}.P }`;
    }),
  ].join("\n");
  writeFileSync(path.join(dir, "index.ts"), index);
  const other = importing.map((i) => `export namespace K${i} {\n${cases[i]!.otherFile}\n}`).join("\n");
  writeFileSync(path.join(dir, "other.ts"), `${other}\nexport {};\n`);
  const derived = derivePayloadSchemas(path.join(dir, "index.ts"));
  return { schemas: derived.schemas, warnings: derived.warnings };
}

/** TypeScript's verdict per value: undefined when it accepts, else its first message. */
function typeScriptVerdicts(cases: PayloadCase[], values: unknown[][]): Array<Array<string | undefined>> {
  const lines: string[] = [];
  const where: Array<[number, number] | undefined> = [];
  const add = (line: string, at?: [number, number]) => {
    for (const part of line.split("\n")) {
      lines.push(part);
      where.push(at);
    }
  };
  cases.forEach((c, i) => {
    add(`namespace O${i} {\n${c.oracleOtherFile ?? c.otherFile ?? ""}\n${c.oracleDeclarations ?? c.declarations}\nexport type P = ${c.oraclePayload ?? c.payload};\n}`);
    values[i]!.forEach((value, j) => add(`declare const v${i}_${j}: ${literalType(value)}; const a${i}_${j}: O${i}.P = v${i}_${j};`, [i, j]));
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "letsgo-oracle-ts-")), "oracle.ts");
  const text = lines.join("\n");
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === file ? text : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], COMPILER_OPTIONS, host);
  const source = program.getSourceFile(file)!;
  const verdicts: Array<Array<string | undefined>> = values.map((list) => list.map(() => undefined));
  const broken: string[] = [];
  for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
    const line = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
    const at = where[line];
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (!at) broken.push(`line ${line + 1}: ${message}\n  ${lines[line]}`);
    else verdicts[at[0]]![at[1]] ??= message;
  }
  // A declaration TypeScript refuses is the generator's mistake, not a verdict.
  if (broken.length > 0) throw new Error(`the oracle's declarations do not compile:\n${broken.slice(0, 5).join("\n")}`);
  return verdicts;
}

/** A JSON value as the TypeScript type of its literal: `{ "a": [1, "x"] }` → `{ "a": [1, "x"] }`. */
export function literalType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "0" : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(literalType).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length === 0 ? "{}" : `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${literalType(item)}`).join("; ")} }`;
}

/** One line per disagreement, enough to reproduce it by hand. */
export function describeDisagreement(d: Disagreement): string {
  return [
    `${d.case.name}: TypeScript ${d.typescript}, the payload check ${d.ours}`,
    `  type:  ${d.case.payload.replace(/\s+/g, " ")}`,
    d.case.declarations ? `  where: ${d.case.declarations.replace(/\s+/g, " ").slice(0, 600)}` : "",
    `  value: ${JSON.stringify(d.value)}`,
    `  why:   ${d.why.slice(0, 300)}`,
    `  shape: ${d.shape.slice(0, 600)}`,
  ]
    .filter(Boolean)
    .join("\n");
}
