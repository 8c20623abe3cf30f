import { InvalidMessageError } from "./errors.js";
import { messageTypeProblem } from "./messageRules.js";
import type { Message } from "./types.js";

/** Turn an SQS body into a message, or say exactly why it is not one. */
export function parseMessage(body: string): Message {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError("invalid-json", `Message body is not JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidMessageError("missing-type", 'Message body is not a JSON object with a string "type".');
  }
  const problem = messageTypeProblem((value as { type?: unknown }).type);
  if (problem) throw new InvalidMessageError("missing-type", `Message body's "type" ${problem}.`);
  return value as Message;
}
