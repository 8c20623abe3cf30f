/**
 * The checks every message passes before anything is sent, whichever the
 * target: the same code, so the same messages, for the dev worker and SQS. A
 * call whose messages fail any check sends nothing.
 */
import { MAX_JSON_DEPTH, messageTypeProblem, reservedTypeProblem, unknownTypeProblem, utf8Length } from "../runtime/messageRules.js";
import { MAX_DELAY_SECONDS, MAX_MESSAGE_SIZE_ENV } from "./constants.js";
import { MessageValidationError } from "./errors.js";
import { payloadProblem } from "../runtime/payloadShape.js";
import type { PayloadSchemas } from "../runtime/payloadShapeTypes.js";

/** What goes on the queue: `type` picks the worker's handler, `payload` is its data. */
export interface OutgoingMessage {
  type: string;
  payload?: unknown;
}

/** A message as the queue carries it: `{"type":...,"payload":...}`. */
export interface CheckedMessage {
  type: string;
  body: string;
  /** UTF-8 length of `body`, and of its attributes' names, types and values (SQS counts both against the limit). */
  bytes: number;
  /** SQS message attributes, when the call gave some. */
  attributes?: CheckedAttributes;
}

/** A message attribute's value as `enqueue()` takes it: a string (SQS `String`) or a number (`Number`). */
export type AttributeValue = string | number;

/** Message attributes by name, as every target receives them. */
export type CheckedAttributes = Record<string, { dataType: "String" | "Number"; value: string }>;

/** SQS: at most 10 attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/**
 * Check message attributes as SQS does (at most 10; names of letters, digits,
 * `_ - .`, up to 256, not starting with AWS. or Amazon., no leading, trailing or
 * double period; values not empty; numbers finite) and give their size, which
 * counts against the message size. `label` names them in errors.
 */
export function checkAttributes(value: unknown, label: string): { attributes: CheckedAttributes; bytes: number } {
  const fail = (text: string) => new MessageValidationError(0, `${label}${text}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(` must be an object of name: value, got ${describe(value)}.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) throw fail(` has ${entries.length} attributes; SQS takes at most ${MAX_MESSAGE_ATTRIBUTES} per message.`);
  const attributes: CheckedAttributes = {};
  let bytes = 0;
  for (const [name, raw] of entries) {
    const problem = attributeNameProblem(name);
    if (problem) throw fail(`.${name} ${problem}`);
    let checked: CheckedAttributes[string];
    if (typeof raw === "string" && raw !== "") checked = { dataType: "String", value: raw };
    else if (typeof raw === "number" && Number.isFinite(raw)) checked = { dataType: "Number", value: String(raw) };
    else throw fail(`.${name} must be a non-empty string or a finite number, got ${describe(raw)}.`);
    attributes[name] = checked;
    bytes += utf8Length(name) + checked.dataType.length + utf8Length(checked.value);
  }
  return { attributes, bytes };
}

/**
 * Message attributes in the shape Lambda's records carry them (`{ dataType,
 * stringValue }`), as dev's `POST /` takes them in an SQS-shaped body: the same
 * rules as checkAttributes. Binary attributes are not taken.
 */
export function checkRecordAttributes(value: unknown, label: string): { attributes: CheckedAttributes; bytes: number } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MessageValidationError(0, `${label} must be an object of name: { dataType, stringValue }, got ${describe(value)}.`);
  }
  const plain: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(value as Record<string, unknown>)) {
    const { dataType, stringValue } = (attribute ?? {}) as { dataType?: unknown; stringValue?: unknown };
    if (dataType !== "String" && dataType !== "Number") {
      throw new MessageValidationError(0, `${label}.${name}.dataType must be "String" or "Number", got ${describe(dataType)}.`);
    }
    if (typeof stringValue !== "string") throw new MessageValidationError(0, `${label}.${name}.stringValue must be a string, got ${describe(stringValue)}.`);
    if (dataType === "Number" && (stringValue.trim() === "" || !Number.isFinite(Number(stringValue)))) {
      throw new MessageValidationError(0, `${label}.${name}.stringValue must be a number for dataType "Number", got ${JSON.stringify(stringValue)}.`);
    }
    plain[name] = stringValue;
  }
  const checked = checkAttributes(plain, label);
  // Numbers keep their text as sent (SQS does not reformat them).
  for (const [name, attribute] of Object.entries(value as Record<string, { dataType: "String" | "Number" }>)) checked.attributes[name]!.dataType = attribute.dataType;
  return checked;
}

function attributeNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name)) return "is not a valid attribute name: 1-256 letters, digits, _, - or . (SQS's rule).";
  if (/^(aws|amazon)\./i.test(name)) return "is reserved: SQS keeps names starting with AWS. or Amazon. for itself.";
  if (name.startsWith(".") || name.endsWith(".") || name.includes("..")) return "may not start or end with a period, nor hold two in a row (SQS's rule).";
  return undefined;
}

/**
 * Check one message and build its body. `label` names it in errors
 * (`the message`, `messages[3]`).
 */
export function checkMessage(value: unknown, index: number, label: string, maxMessageSize: number, payloadSchemas?: PayloadSchemas): CheckedMessage {
  const fail = (text: string) => new MessageValidationError(index, `${label}${text}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(` must be an object { type, payload }, got ${describe(value)}.`);
  }
  const message = value as Record<string, unknown>;
  const extra = Object.keys(message).filter((key) => key !== "type" && key !== "payload");
  if (extra.length > 0) {
    throw fail(
      ` has ${extra.length === 1 ? "a field" : "fields"} besides type and payload (${extra.map((k) => `"${k}"`).join(", ")}), which would not be sent: ` +
        "put data in the payload, and options such as delaySeconds in enqueue's second argument.",
    );
  }
  const type = message.type;
  const typeProblem = messageTypeProblem(type);
  if (typeProblem) throw fail(`.type ${typeProblem}.`);
  const reserved = reservedTypeProblem(type as string);
  if (reserved) throw fail(`.type ${reserved}.`);
  const unknown = unknownTypeProblem(type as string, payloadSchemas);
  if (unknown) throw fail(`.type ${unknown}`);
  const problem = nonJson(message.payload, "payload", []);
  if (problem) throw fail(`.${problem}`);
  // The text dev's POST / and the runtime give for the same payload; which message, when there are several.
  const mismatch = payloadProblem(payloadSchemas, type as string, message.payload);
  if (mismatch) throw new MessageValidationError(index, label === "message" ? mismatch : `${label}: ${mismatch}`);
  const body = safeForSqs(JSON.stringify({ type, payload: message.payload ?? null }));
  const bytes = utf8Length(body);
  if (bytes > maxMessageSize) {
    throw fail(
      ` is ${bytes} bytes as JSON; the worker takes at most ${maxMessageSize} bytes per message (${MAX_MESSAGE_SIZE_ENV}). ` +
        "Store large data elsewhere (S3, your database) and send a reference to it.",
    );
  }
  return { type: type as string, body, bytes };
}

/**
 * A delay as SQS takes it: 0-900 whole seconds, from a number or, for the CLI
 * and dev's query string, a decimal string (absent or "" is 0). The one parser
 * every way in uses; `label` names the input in the error.
 */
export function readDelaySeconds(value: unknown, label: string, from: "number" | "text" = "text"): { seconds: number } | { problem: string } {
  if (value === undefined || (from === "text" && (value === null || value === ""))) return { seconds: 0 };
  const seconds = from === "text" && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_DELAY_SECONDS) {
    return { problem: `${label} must be a whole number of seconds from 0 to ${MAX_DELAY_SECONDS}, got ${describe(value)}.` };
  }
  return { seconds };
}

export function checkDelaySeconds(value: unknown): number {
  const read = readDelaySeconds(value, "delaySeconds", "number");
  if ("problem" in read) throw new MessageValidationError(0, read.problem);
  return read.seconds;
}

/** Where and why a payload would not survive JSON: a value JSON.stringify drops, mangles or throws on. */
function nonJson(value: unknown, path: string, parents: object[]): string | undefined {
  switch (typeof value) {
    case "function":
      return `${path} is a function, which JSON cannot carry.`;
    case "symbol":
      return `${path} is a symbol, which JSON cannot carry.`;
    case "bigint":
      return `${path} is a BigInt, which JSON cannot carry: send it as a string.`;
    case "number":
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot carry (it would arrive as null).`;
    case "object": {
      if (value === null) return undefined;
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined; // Date, Buffer, ... say how they serialise
      if (value instanceof Map) return `${path} is a Map, which JSON would send as {}: convert it, e.g. Object.fromEntries(map).`;
      if (value instanceof Set) return `${path} is a Set, which JSON would send as {}: convert it, e.g. [...set].`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        return `${path} is binary data, which JSON would mangle: encode it, e.g. as a base64 string.`;
      }
      if (parents.includes(value)) return `${path} refers back to an enclosing object: a circular structure cannot be sent as JSON.`;
      if (parents.length >= MAX_JSON_DEPTH) return `payload nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (at ${path}): flatten it.`;
      parents.push(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const found = nonJson(value[i], `${path}[${i}]`, parents);
            if (found) return found;
          }
        } else {
          for (const [key, item] of Object.entries(value)) {
            const found = nonJson(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, parents);
            if (found) return found;
          }
        }
      } finally {
        parents.pop();
      }
      return undefined;
    }
    default:
      return undefined; // string, boolean, undefined (dropped from objects, as JSON does)
  }
}

/**
 * SQS refuses bodies holding U+FFFE or U+FFFF (outside XML's character range);
 * JSON.stringify leaves them raw. Escaped, the body parses to the same value
 * and both targets take it.
 */
function safeForSqs(body: string): string {
  return /[\uFFFE\uFFFF]/.test(body) ? body.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : body;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return String(value);
  return typeof value;
}
