/**
 * The syntax-tree edits behind `add-message`. Kept apart from addMessage.ts so
 * ts-morph (and the TypeScript compiler under it) loads only when an edit runs.
 */
// Loaded with require, not import: an ESM import of CommonJS first scans it (ts-morph, then TypeScript's 9 MB) for named exports, ~70 ms of every add-message.
import { createRequire } from "node:module";
// Named so: tsc turns the next line into a createRequire call of its own; tsx (esbuild) into a call of this one.
const require = createRequire(import.meta.url);
import tsMorph = require("ts-morph");
import IndentationText = tsMorph.IndentationText;
import Node = tsMorph.Node;
import Project = tsMorph.Project;
import QuoteKind = tsMorph.QuoteKind;
import SyntaxKind = tsMorph.SyntaxKind;
type EnumMember = tsMorph.EnumMember;
type SourceFile = tsMorph.SourceFile;
import { ProjectError, UsageError } from "../errors.js";
import type { MessageField } from "./messageField.js";

const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true });

/** Parse a file (syntax only: type-checking the whole project would cost seconds). */
function load(filePath: string, text: string): SourceFile {
  project.manipulationSettings.set({ indentationText: detectIndentation(text), quoteKind: QuoteKind.Double });
  const file = project.createSourceFile(filePath, text, { overwrite: true });
  const [first] = syntaxErrors(file);
  if (first) {
    const line = file.getLineAndColumnAtPos(first.start ?? 0).line;
    throw new ProjectError(`${filePath}:${line}: cannot parse it (${flatten(first.messageText)}); fix it first.`);
  }
  return file;
}

/**
 * The parser's own diagnostics, read from the parsed file: asking a Program
 * for them would build one (about 0.7 s here) for what the parse already knows.
 */
function syntaxErrors(file: SourceFile): ReadonlyArray<{ start?: number; messageText: unknown }> {
  return (file.compilerNode as unknown as { parseDiagnostics?: ReadonlyArray<{ start?: number; messageText: unknown }> }).parseDiagnostics ?? [];
}

/** Write new code with the indentation the file already uses. */
function indentUnit(text: string): string {
  const indent = /^([ \t]+)[^\s*]/m.exec(text)?.[1] ?? "  ";
  return indent.startsWith("\t") ? "\t" : indent.length >= 4 ? "    " : "  ";
}

function detectIndentation(text: string): IndentationText {
  const unit = indentUnit(text);
  return unit === "\t" ? IndentationText.Tab : unit === "    " ? IndentationText.FourSpaces : IndentationText.TwoSpaces;
}

/** A parser diagnostic's text: a string, or a chain whose head says it. */
function flatten(message: unknown): string {
  return typeof message === "string" ? message : String((message as { messageText?: unknown }).messageText ?? message);
}

/**
 * A string enum member's value, read from its initializer: member.getValue()
 * asks the type checker, which builds and binds a whole program (over a second).
 */
function enumValue(member: EnumMember): string | undefined {
  const initializer = member.getInitializer();
  return initializer && Node.isStringLiteral(initializer) ? initializer.getLiteralValue() : undefined;
}

/** Types that need nothing declared: JSON's own shapes, and helpers that build types from others. */
const BUILT_IN_TYPES = new Set(["Array", "ReadonlyArray", "Record", "Partial", "Required", "Readonly", "Pick", "Omit", "NonNullable", "Exclude", "Extract"]);
/** In scope, but not what a message can carry: the payload travels as JSON. */
const NOT_JSON: Record<string, string> = {
  Date: "a Date arrives as an ISO string: use string, and new Date(value) in the handler",
  Map: "a Map arrives as {}: use Record<string, ...>",
  Set: "a Set arrives as {}: use an array",
  WeakMap: "a WeakMap cannot be sent",
  WeakSet: "a WeakSet cannot be sent",
  Function: "a function cannot be sent",
  Promise: "a Promise cannot be sent",
  RegExp: "a RegExp arrives as {}: use string",
  Error: "an Error arrives as {}: send its message as a string",
  Buffer: "binary data does not survive JSON: send it as a base64 string",
  Uint8Array: "binary data does not survive JSON: send it as a base64 string",
  ArrayBuffer: "binary data does not survive JSON: send it as a base64 string",
  bigint: "a bigint cannot be sent as JSON: use string",
  symbol: "a symbol cannot be sent",
  void: "void is not a value",
  never: "never is not a value",
};

/**
 * Reject a `--field` whose type is not a TypeScript type, names a type not in
 * scope of @letsgo/types (a typo such as `strin`), or one JSON cannot carry.
 * `declared` are the names packages/types/index.ts declares.
 */
export function checkFieldType(field: MessageField, declared: ReadonlySet<string>): void {
  const probe = project.createSourceFile("/__field.ts", `type __T = ${field.type};`, { overwrite: true });
  const node = probe.getTypeAliases()[0]?.getTypeNode();
  if (syntaxErrors(probe).length > 0 || !node || node.getText() !== field.type) {
    throw new UsageError(`--field ${field.name}: "${field.type}" is not a TypeScript type.`);
  }
  const refuse = (why: string) => new UsageError(`--field ${field.name}:${field.type}: ${why}.`);
  for (const part of [node, ...node.getDescendants()]) {
    if (Node.isTypeReference(part)) {
      const name = part.getTypeName().getText().split(".")[0]!;
      if (NOT_JSON[name]) throw refuse(NOT_JSON[name]);
      if (!declared.has(name) && !BUILT_IN_TYPES.has(name)) {
        const near = [...declared, ...JSON_TYPE_NAMES].find((candidate) => nearlyEqual(candidate, name));
        throw refuse(
          `"${name}" is not a type in scope of @letsgo/types${near ? ` (did you mean ${near}?)` : ""}: use string, number, boolean, an array or object of them, or declare ${name} in packages/types/index.ts first`,
        );
      }
    } else if (Node.isFunctionTypeNode(part) || Node.isConstructorTypeNode(part)) {
      throw refuse(NOT_JSON.Function!);
    } else if (part.getKind() === SyntaxKind.BigIntKeyword) throw refuse(NOT_JSON.bigint!);
    else if (part.getKind() === SyntaxKind.SymbolKeyword) throw refuse(NOT_JSON.symbol!);
    else if (part.getKind() === SyntaxKind.VoidKeyword) throw refuse(NOT_JSON.void!);
    else if (part.getKind() === SyntaxKind.NeverKeyword) throw refuse(NOT_JSON.never!);
  }
}

const JSON_TYPE_NAMES = ["string", "number", "boolean", "null", "unknown", "Record", "Array"];

/** One typo away: an edit distance of at most 2 (`strin`, `nubmer`). */
function nearlyEqual(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]! <= 2;
}

/** The names a types file declares (interfaces, type aliases, enums, classes): what a field may refer to. */
export function declaredTypeNames(filePath: string, text: string): Set<string> {
  const file = load(filePath, text);
  return new Set([...file.getInterfaces(), ...file.getTypeAliases(), ...file.getEnums(), ...file.getClasses()].map((d) => d.getName() ?? ""));
}

export function editTypes(
  filePath: string,
  text: string,
  spec: { name: string; typeValue: string; interfaceName: string; fields: MessageField[] },
): string {
  const file = load(filePath, text);
  const messageType = file.getEnum("MessageType");
  if (!messageType) throw new ProjectError(`${filePath} has no \`enum MessageType\`.`);
  for (const member of messageType.getMembers()) {
    if (member.getName() === spec.name) throw new ProjectError(`MessageType.${spec.name} already exists in ${filePath}.`);
    if (enumValue(member) === spec.typeValue) {
      throw new ProjectError(`Message type "${spec.typeValue}" is already declared as MessageType.${member.getName()} in ${filePath}.`);
    }
  }
  if (file.getInterface(spec.interfaceName) || file.getTypeAlias(spec.interfaceName)) {
    throw new ProjectError(`${spec.interfaceName} already exists in ${filePath}.`);
  }
  if (!file.getInterface("Message")) throw new ProjectError(`${filePath} has no \`interface Message\` to extend.`);

  messageType.addMember({ name: spec.name, initializer: JSON.stringify(spec.typeValue) });
  const unit = indentUnit(text);
  const payload =
    spec.fields.length === 0
      ? "Record<string, never>"
      : `{\n${spec.fields.map((f) => `${unit}${unit}${f.name}${f.optional ? "?" : ""}: ${f.type};`).join("\n")}\n${unit}}`;
  const declaration = `export interface ${spec.interfaceName} extends Message {\n${unit}type: MessageType.${spec.name};\n${unit}payload: ${payload};\n}`;
  // WorkerMessage (what @letsgo/queue's enqueue() accepts) lists every message: the new one joins it, declared just above it.
  const union = file.getTypeAlias(WORKER_MESSAGE_UNION);
  if (union) {
    file.insertStatements(union.getChildIndex(), `\n${declaration}`);
    const typeNode = union.getTypeNodeOrThrow();
    const members = Node.isUnionTypeNode(typeNode) ? typeNode.getTypeNodes().map((m) => m.getText()) : [typeNode.getText()];
    const equals = union.getFirstChildByKindOrThrow(SyntaxKind.EqualsToken);
    file.replaceText([equals.getEnd(), typeNode.getEnd()], unionText([...members, spec.interfaceName], typeNode.getText().includes("\n"), unit));
  } else {
    file.addStatements(`\n${declaration}`);
  }
  return file.getFullText();
}

/** The union type of every message in @letsgo/types. */
export const WORKER_MESSAGE_UNION = "WorkerMessage";

/** ` A | B | C` after the `=`; a union already on several lines (or one that grows too long) gets one member per line. */
function unionText(members: string[], multiline: boolean, unit: string): string {
  const oneLine = members.join(" | ");
  if (!multiline && oneLine.length <= 90) return ` ${oneLine}`;
  return members.map((m) => `\n${unit}| ${m}`).join("");
}

export function editHandlersIndex(filePath: string, text: string, spec: { name: string; handlerName: string }): string {
  const file = load(filePath, text);
  const declaration = file.getVariableDeclaration("handlers");
  const map = declaration?.getInitializer();
  if (!declaration || !map || !Node.isObjectLiteralExpression(map)) {
    throw new ProjectError(`${filePath} has no \`handlers\` object to register the handler in.`);
  }
  const key = `[MessageType.${spec.name}]`;
  for (const property of map.getProperties()) {
    if (Node.isPropertyAssignment(property) && property.getNameNode().getText() === key) {
      throw new ProjectError(`${filePath} already registers a handler for MessageType.${spec.name}.`);
    }
  }

  const importsMessageType = file
    .getImportDeclarations()
    .some((decl) => !decl.isTypeOnly() && decl.getNamedImports().some((named) => named.getName() === "MessageType" && !named.isTypeOnly()));
  if (!importsMessageType) {
    file.addImportDeclaration({ moduleSpecifier: "@letsgo/types", namedImports: ["MessageType"] });
  }
  file.addImportDeclaration({ moduleSpecifier: `./${spec.handlerName}`, namedImports: [spec.handlerName] });
  map.addPropertyAssignment({ name: key, initializer: spec.handlerName });
  return file.getFullText();
}
