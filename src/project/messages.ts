/** What message types a project declares and which have a registered handler. */
import { readFile } from "node:fs/promises";
import { ProjectError } from "../errors.js";
import { requireWorkerFiles, workerPaths } from "./paths.js";
import { scanEnum, scanHandlerKeys } from "./scan.js";
import { isReservedMessageType } from "../runtime/messageTypes.js";

export interface MessageTypeInfo {
  /** Enum member name, e.g. `OrderNew`; absent for a handler keyed by a plain string. */
  name?: string;
  /** The `type` value messages carry, e.g. `OrderNew` or `letsgo:stripe`. */
  type: string;
  reserved: boolean;
  handled: boolean;
}

export async function listMessageTypes(projectDir: string): Promise<MessageTypeInfo[]> {
  const paths = workerPaths(projectDir);
  requireWorkerFiles(paths, paths.typesIndex, paths.handlersIndex);
  const typesSource = await readFile(paths.typesIndex, "utf8");
  const handlersSource = await readFile(paths.handlersIndex, "utf8");
  const members = scanEnum(typesSource, "MessageType");
  if (!members) throw new ProjectError(`No \`enum MessageType\` found in ${paths.typesIndex}.`);
  const keys = scanHandlerKeys(handlersSource, "handlers") ?? [];

  const handledMembers = new Set(keys.flatMap((key) => ("enumMember" in key ? [key.enumMember] : [])));
  const handledLiterals = new Set(keys.flatMap((key) => ("literal" in key ? [key.literal] : [])));
  const infos: MessageTypeInfo[] = members.map((member) => ({
    name: member.name,
    type: member.value,
    reserved: isReservedMessageType(member.value),
    handled: handledMembers.has(member.name) || handledLiterals.has(member.value),
  }));
  const declared = new Set(members.map((member) => member.value));
  for (const literal of handledLiterals) {
    if (!declared.has(literal)) infos.push({ type: literal, reserved: isReservedMessageType(literal), handled: true });
  }
  return infos;
}
