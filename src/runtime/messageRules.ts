/**
 * The rules a message's `type` and size follow, wherever a message is checked:
 * the app's enqueue(), the CLI, the dev worker's intake and the runtime's
 * parsing of a body. One place, so the four cannot drift apart.
 */
import { PROBE_MESSAGE_TYPE, RESERVED_MESSAGE_TYPE_PREFIX, ReservedMessageType } from "./messageTypes.js";

/** LetsGo's types, and the probe the runtime answers itself (`deploy --verify`). */
const RUNTIME_TYPES: ReadonlySet<string> = new Set([...Object.values(ReservedMessageType), PROBE_MESSAGE_TYPE]);

/** Why `type` cannot name a handler (not a string, or blank), or undefined when it can. */
export function messageTypeProblem(type: unknown): string | undefined {
  if (typeof type === "string" && type.trim() !== "") return undefined;
  const got =
    typeof type === "string" ? JSON.stringify(type) : typeof type === "number" || typeof type === "boolean" ? String(type) : type === null ? "null" : Array.isArray(type) ? "an array" : typeof type;
  return `must be a non-empty string naming the worker's handler (e.g. "OrderNew"), got ${got}`;
}

/**
 * Why a sender may not use `type`: a `letsgo:` type the runtime does not define
 * (those belong to LetsGo itself). Undefined when it may.
 */
export function reservedTypeProblem(type: string): string | undefined {
  if (!type.startsWith(RESERVED_MESSAGE_TYPE_PREFIX) || RUNTIME_TYPES.has(type)) return undefined;
  return (
    `"${type}" is reserved: types starting with "${RESERVED_MESSAGE_TYPE_PREFIX}" belong to LetsGo, which defines ` +
    `${[...RUNTIME_TYPES].join(", ")}. Name your own type without the prefix`
  );
}

/**
 * Why a project would not take `type`: it does not declare it (`types`, from
 * the generated payload shapes: its MessageType enum and message interfaces),
 * and no handler could be waiting for it. Undefined when it does, when the
 * type is one of the runtime's own, or when the project's types are not known.
 */
export function unknownTypeProblem(type: string, declared: { types?: readonly string[] } | undefined): string | undefined {
  if (!declared?.types || declared.types.includes(type) || RUNTIME_TYPES.has(type)) return undefined;
  const some = declared.types.filter((t) => !t.startsWith(RESERVED_MESSAGE_TYPE_PREFIX));
  const listed = some.length === 0 ? "none of its own yet" : some.slice(0, 8).map((t) => `"${t}"`).join(", ") + (some.length > 8 ? ", …" : "");
  return `"${type}" is not a message type of this project (packages/types declares ${listed}): add it, its payload and its handler with \`npx letsgo-worker add-message ${type}\`, or fix the name.`;
}

/**
 * How deep a message may nest. SQS sets no such limit, but a body nested
 * thousands deep overflows the stack of whatever walks it; no real payload
 * comes near this.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * True when JSON text nests deeper than `max` arrays and objects. A scan of the
 * text, without recursion, so it is safe on hostile input before JSON.parse.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  // Nesting deeper than `max` takes more than `max` opening brackets; most texts have a few, found natively.
  if (!hasMoreThan(text, "{", "[", max)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Whether `text` holds more than `max` of `a` and `b` together. */
function hasMoreThan(text: string, a: string, b: string, max: number): boolean {
  let count = 0;
  for (let i = text.indexOf(a); i !== -1; i = text.indexOf(a, i + 1)) if (++count > max) return true;
  for (let i = text.indexOf(b); i !== -1; i = text.indexOf(b, i + 1)) if (++count > max) return true;
  return false;
}

/** UTF-8 byte length: Node's own count where there is one, a loop elsewhere (the app library also runs outside Node). */
export function utf8Length(text: string): number {
  if (typeof Buffer !== "undefined") return Buffer.byteLength(text);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
