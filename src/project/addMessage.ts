/**
 * `letsgo-worker add-message`: declares a message type, writes its handler and
 * registers it, by editing the syntax tree (ts-morph) so user formatting and
 * comments elsewhere survive. All checks run before anything is written, and the
 * three files are written all-or-nothing.
 */
import path from "node:path";
import { ProjectError, UsageError } from "../errors.js";
import { requireWorkerFiles, workerPaths } from "./paths.js";
import { readIfExists } from "./scaffold.js";
import { fillTemplate, readTemplate } from "./templates.js";
import { writeFilesAtomically, type FileChange } from "./writeFiles.js";
import { parseField } from "./messageField.js";
import { isReservedMessageType } from "../runtime/messageTypes.js";
import { updatePayloadSchemasModule } from "./payloadSchemasModule.js";

export interface AddMessageOptions {
  projectDir: string;
  name: string;
  /** The `type` value on the wire; defaults to the name. */
  typeValue?: string;
  /** `name:type` pairs, e.g. `orderId:string`, `note?:string`, `items:string[]`. */
  fields?: string[];
  dryRun?: boolean;
}

export interface AddMessageResult {
  name: string;
  typeValue: string;
  interfaceName: string;
  handlerName: string;
  changes: FileChange[];
  written: boolean;
}

const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const TYPE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$/;

export async function addMessage(options: AddMessageOptions): Promise<AddMessageResult> {
  const { name } = options;
  if (!PASCAL_CASE.test(name)) {
    throw new UsageError(`"${name}" is not a PascalCase identifier (like OrderNew): it names the enum member and the interface.`);
  }
  const typeValue = options.typeValue ?? name;
  if (isReservedMessageType(typeValue)) {
    throw new UsageError(`Message type "${typeValue}" starts with "letsgo:", which is reserved for LetsGo's own messages.`);
  }
  if (!TYPE_VALUE.test(typeValue)) {
    throw new UsageError(
      `Message type "${typeValue}" must be 1-80 letters, digits and . _ - : / (it travels in every message and names the handler in logs).`,
    );
  }
  const fields = (options.fields ?? []).map(parseField);
  const duplicate = fields.find((field, index) => fields.findIndex((other) => other.name === field.name) !== index);
  if (duplicate) throw new UsageError(`--field ${duplicate.name} is given twice.`);

  const paths = workerPaths(options.projectDir);
  requireWorkerFiles(paths, paths.typesIndex, paths.handlersIndex);
  const typesText = (await readIfExists(paths.typesIndex))!;
  const handlersText = (await readIfExists(paths.handlersIndex))!;

  const interfaceName = `${name}Message`;
  const handlerName = `${name.charAt(0).toLowerCase()}${name.slice(1)}Handler`;
  const handlerFile = path.join(paths.handlers, `${handlerName}.ts`);
  if ((await readIfExists(handlerFile)) !== undefined) {
    throw new ProjectError(`${handlerFile} already exists: message ${name} seems to be there already.`);
  }

  const { editTypes, editHandlersIndex, checkFieldType, declaredTypeNames } = await import("./messageEdits.js");
  const declared = declaredTypeNames(paths.typesIndex, typesText);
  for (const field of fields) checkFieldType(field, declared);
  const newTypes = editTypes(paths.typesIndex, typesText, { name, typeValue, interfaceName, fields });
  const newHandlers = editHandlersIndex(paths.handlersIndex, handlersText, { name, handlerName });
  const stub = fillTemplate(await readTemplate("add-message/handler.ts.tpl"), {
    interfaceName,
    handlerName,
    typeValue,
    typeValueLiteral: JSON.stringify(typeValue),
  });

  const changes: FileChange[] = [
    { path: paths.typesIndex, before: typesText, after: newTypes },
    { path: handlerFile, before: undefined, after: stub },
    { path: paths.handlersIndex, before: handlersText, after: newHandlers },
  ];
  if (!options.dryRun) {
    await writeFilesAtomically(changes);
    // The app's enqueue() checks the new payload too (generated; dev and build keep it current as well).
    const { derivePayloadSchemas } = await import("./payloadSchemas.js");
    await updatePayloadSchemasModule(paths, derivePayloadSchemas(paths.typesIndex).schemas);
  }
  return { name, typeValue, interfaceName, handlerName, changes, written: !options.dryRun };
}
