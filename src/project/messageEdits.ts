/**
 * The syntax-tree edits behind `add-message`. Kept apart from addMessage.ts so
 * ts-morph (and the TypeScript compiler under it) loads only when an edit runs.
 */
import { IndentationText, Node, Project, QuoteKind, SyntaxKind, type SourceFile } from "ts-morph";
import { ProjectError, UsageError } from "../errors.js";
import type { MessageField } from "./messageField.js";

const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true });

/** Parse a file (syntax only: type-checking the whole project would cost seconds). */
function load(filePath: string, text: string): SourceFile {
  project.manipulationSettings.set({ indentationText: detectIndentation(text), quoteKind: QuoteKind.Double });
  const file = project.createSourceFile(filePath, text, { overwrite: true });
  const errors = syntaxErrors(file);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new ProjectError(`${filePath}:${first.getLineNumber() ?? "?"}: cannot parse it (${flatten(first.getMessageText())}); fix it first.`);
  }
  return file;
}

function syntaxErrors(file: SourceFile) {
  return project.getProgram().getSyntacticDiagnostics(file);
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

function flatten(message: unknown): string {
  return typeof message === "string" ? message : String((message as { getMessageText(): string }).getMessageText());
}

/** Reject a `--field` whose type is not valid TypeScript type syntax. */
export function checkTypeSyntax(field: MessageField): void {
  const probe = project.createSourceFile("/__field.ts", `type __T = ${field.type};`, { overwrite: true });
  const alias = probe.getTypeAliases()[0];
  if (syntaxErrors(probe).length > 0 || !alias || alias.getTypeNode()?.getText() !== field.type) {
    throw new UsageError(`--field ${field.name}: "${field.type}" is not a TypeScript type.`);
  }
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
    if (member.getValue() === spec.typeValue) {
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
