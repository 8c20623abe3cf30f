/**
 * What `POST /` accepts, checked before anything changes: one message
 * `{type, payload}`, an array of up to 10, or an SQS-shaped `{"Records": [...]}`
 * body as LetsGo's @letsgo/queue local client sends it (each record's `body` is
 * the message as a JSON string). Sizes follow SQS: each message, and a request's
 * messages together, at most the maximum message size. `letsgo:stripe` comes in
 * only through POST /stripe, after its signature is checked: here it could be
 * forged, so it is refused.
 */
import { MAX_BATCH_ENTRIES, MAX_DELAY_SECONDS } from "../../queue/constants.js";
import { readDelaySeconds } from "../../queue/validate.js";
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, messageTypeProblem, reservedTypeProblem, utf8Length } from "../../runtime/messageRules.js";
import { ReservedMessageType } from "../../runtime/messageTypes.js";
import type { NewMessage } from "../queue/queueRecords.js";
import { HttpError } from "./http.js";
import { MessageValidationError } from "../../queue/errors.js";
import { checkRecordAttributes } from "../../queue/validate.js";
import { payloadProblem } from "../../runtime/payloadShape.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";

/** As SQS SendMessageBatch. */
export const MAX_MESSAGES_PER_REQUEST = MAX_BATCH_ENTRIES;
export { MAX_DELAY_SECONDS };

/** A request the intake refuses: an HttpError, so every route answers it with its own status (400, 413). */
export class IntakeError extends HttpError {
  override name = "IntakeError";
  constructor(status: 400 | 413, message: string) {
    super(status, message);
  }
}

export interface IntakeOptions {
  /** POST /stripe, whose signature check makes letsgo:stripe trustworthy. */
  verifiedStripe?: boolean;
  /** Payloads are checked against these (derived from @letsgo/types). */
  payloadSchemas?: PayloadSchemas;
}

export function parseIntake(raw: string, maxMessageSize: number, options: IntakeOptions = {}): NewMessage[] {
  if (jsonNestsDeeperThan(raw, MAX_JSON_DEPTH + 2)) {
    throw new IntakeError(400, `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten the payload.`);
  }
  const checkType = (message: Record<string, unknown>, what: string) => typeOf(message, what, options);
  const messageType = (value: unknown, what: string) => {
    if (!isObject(value)) throw new IntakeError(400, `${capital(what)} must be a JSON object {"type": "...", "payload": ...}.`);
    return checkType(value, what);
  };
  const fromMessage = (value: unknown, what: string): NewMessage => ({ type: messageType(value, what), body: JSON.stringify(value) });
  const fromRecord = (record: unknown, what: string): NewMessage & { attributeBytes?: number } => {
    if (!isObject(record) || typeof record.body !== "string") {
      throw new IntakeError(400, `${capital(what)} must have a string \`body\` holding the message as JSON.`);
    }
    if (jsonNestsDeeperThan(record.body, MAX_JSON_DEPTH + 1)) {
      throw new IntakeError(400, `The body of ${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten the payload.`);
    }
    let message: unknown;
    try {
      message = JSON.parse(record.body);
    } catch {
      throw new IntakeError(400, `The body of ${what} is not valid JSON.`);
    }
    if (!isObject(message)) throw new IntakeError(400, `The body of ${what} must be a JSON object {"type": "...", "payload": ...}.`);
    const type = checkType(message, `the body of ${what}`);
    if (record.messageAttributes === undefined) return { type, body: record.body };
    try {
      const { attributes, bytes } = checkRecordAttributes(record.messageAttributes, `The messageAttributes of ${what}`);
      return Object.keys(attributes).length > 0 ? { type, body: record.body, attributes, attributeBytes: bytes } : { type, body: record.body };
    } catch (error) {
      if (error instanceof MessageValidationError) throw new IntakeError(400, error.message);
      throw error;
    }
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new IntakeError(400, `The body is not valid JSON (${(error as Error).message}). Send {"type": "...", "payload": {...}}.`);
  }
  let messages: Array<NewMessage & { attributeBytes?: number }>;
  if (Array.isArray(parsed)) {
    checkCount(parsed.length);
    // A list of one (how enqueue() sends a single message) reads as one message.
    messages = parsed.map((item, index) => fromMessage(item, parsed.length === 1 ? "the message" : `message ${index + 1}`));
  } else if (isObject(parsed) && "Records" in parsed) {
    const records = parsed.Records;
    if (!Array.isArray(records)) throw new IntakeError(400, "`Records` must be a list of SQS records.");
    checkCount(records.length);
    messages = records.map((record, index) => fromRecord(record, `record ${index + 1}`));
  } else {
    // A single message is stored as sent, byte for byte, as SQS does with a body.
    messages = [{ type: messageType(parsed, "the message"), body: raw.trim() }];
  }
  let total = 0;
  for (const [index, message] of messages.entries()) {
    // SQS counts a message's attributes against its size.
    const size = utf8Length(message.body) + (message.attributeBytes ?? 0);
    total += size;
    if (size > maxMessageSize) {
      throw new IntakeError(413, `Message ${index + 1} is ${size} bytes; the maximum message size is ${maxMessageSize} bytes (LETSGO_WORKER_MAX_MESSAGE_SIZE).`);
    }
  }
  if (total > maxMessageSize) {
    throw new IntakeError(413, `The messages total ${total} bytes; one request may carry at most ${maxMessageSize} bytes (as SQS SendMessageBatch).`);
  }
  return messages.map(({ attributeBytes: _bytes, ...message }) => message);
}

/** `?delaySeconds=N`: a whole number of seconds, 0 to 900 as in SQS. */
export function parseDelaySeconds(value: string | null): number {
  const read = readDelaySeconds(value, "delaySeconds");
  if ("problem" in read) throw new IntakeError(400, read.problem);
  return read.seconds;
}

function checkCount(count: number): void {
  if (count === 0) throw new IntakeError(400, "The request holds no messages.");
  if (count > MAX_MESSAGES_PER_REQUEST) {
    throw new IntakeError(400, `At most ${MAX_MESSAGES_PER_REQUEST} messages per request, got ${count}.`);
  }
}

/**
 * The type rules every sender follows (../runtime/messageRules.ts): present, not
 * blank, not a reserved type the runtime does not define; letsgo:stripe only
 * from POST /stripe; and a payload that fits the type's interface in @letsgo/types.
 */
function typeOf(message: Record<string, unknown>, what: string, options: IntakeOptions): string {
  // As enqueue() refuses them: the worker reads only these two keys, and a message
  // carrying more could pass for another kind of input (a scheduled event).
  const extra = Object.keys(message).filter((key) => key !== "type" && key !== "payload");
  if (extra.length > 0) {
    throw new IntakeError(
      400,
      `${capital(what)} has ${extra.length === 1 ? "a field" : "fields"} besides type and payload (${extra.slice(0, 5).map((key) => JSON.stringify(key)).join(", ")}${extra.length > 5 ? ", ..." : ""}): ` +
        "a message is {\"type\": \"...\", \"payload\": ...}; put data in the payload.",
    );
  }
  const problem = messageTypeProblem(message.type) ?? reservedTypeProblem(message.type as string);
  if (problem) throw new IntakeError(400, `The type of ${what} ${problem}.`);
  // The payload's own text, as enqueue() and the runtime say it; which message, when there are several.
  const payload = payloadProblem(options.payloadSchemas, message.type as string, message.payload);
  if (payload) throw new IntakeError(400, what === "the message" ? payload : `${capital(what)}: ${payload}`);
  if (message.type === ReservedMessageType.Stripe && !options.verifiedStripe) {
    throw new IntakeError(
      400,
      `${capital(what)} is a letsgo:stripe message, which the dev worker takes only through POST /stripe, where Stripe's signature is checked: ` +
        "here it could be forged. Send the Stripe delivery itself to /stripe (`stripe listen --forward-to localhost:3002/stripe`, " +
        "`letsgo-worker stripe trigger`, or your app's createStripeWebhookHandler, which forwards it).",
    );
  }
  return message.type as string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
