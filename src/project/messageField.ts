/**
 * One `--field name:type` of `add-message`: parsed here, checked as TypeScript
 * and written into the message's interface by messageEdits.ts.
 */
import { UsageError } from "../errors.js";

export interface MessageField {
  name: string;
  optional: boolean;
  type: string;
}

export function parseField(spec: string): MessageField {
  const match = /^([A-Za-z_$][A-Za-z0-9_$]*)(\?)?:(.+)$/.exec(spec.trim());
  if (!match) {
    throw new UsageError(`--field "${spec}" must look like name:type (e.g. orderId:string, note?:string, items:string[]).`);
  }
  return { name: match[1]!, optional: match[2] === "?", type: match[3]!.trim() };
}
