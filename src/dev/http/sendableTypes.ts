/**
 * The message types the dashboard's Send view offers: those the project
 * declares (from its handlers map, or, for a hand-written entry, its types
 * file alone), each with whether a handler is registered, the interface its
 * payload is checked against, and an example payload that fits it.
 * letsgo:stripe is left out: it comes in only through POST /stripe, signed.
 */
import { readFile } from "node:fs/promises";
import { listMessageTypes } from "../../project/messages.js";
import { payloadSkeleton } from "../../project/payloadSkeleton.js";
import { scanEnum } from "../../project/scan.js";
import type { WorkerPaths } from "../../project/paths.js";
import { ReservedMessageType } from "../../runtime/messageTypes.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";

export interface SendableType {
  type: string;
  handled: boolean;
  declaredAs?: string;
  example: unknown;
}

export async function sendableTypes(paths: Pick<WorkerPaths, "root" | "typesIndex">, schemas: PayloadSchemas | undefined): Promise<SendableType[]> {
  const declared = await listMessageTypes(paths.root).catch(async () =>
    (scanEnum(await readFile(paths.typesIndex, "utf8").catch(() => ""), "MessageType") ?? []).map((member) => ({ type: member.value, handled: false })),
  );
  return declared
    .filter((info) => info.type !== ReservedMessageType.Stripe)
    .map((info) => ({
      type: info.type,
      handled: info.handled,
      ...(schemas?.messages[info.type] ? { declaredAs: schemas.messages[info.type]!.declaredAs } : {}),
      example: schemas ? payloadSkeleton(schemas, info.type) : {},
    }));
}
