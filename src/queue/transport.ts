import type { CheckedAttributes } from "./validate.js";

/**
 * One request to a target carrying up to 10 messages. The sending logic
 * (batches, retries, reporting) is the same for every target; a transport only
 * says what happened to each entry, or why the whole request failed.
 */
export interface BatchEntry {
  /** Unique within the request. */
  id: string;
  body: string;
  attributes?: CheckedAttributes;
}

export interface BatchOutcome {
  accepted: Array<{ id: string; messageId: string }>;
  refused: Array<{ id: string; code: string; reason: string; retriable: boolean }>;
}

export interface Transport {
  /** How the target is named in messages. */
  readonly description: string;
  send(entries: BatchEntry[], delaySeconds: number): Promise<BatchOutcome>;
}

/**
 * The whole request failed. `retry`: transient (network, throttling, 5xx);
 * `content`: the request was refused for what it carries, so some entry is at
 * fault (sending the entries one by one tells which); `fatal`: the target takes
 * nothing from us (no such queue, no permission), so the call stops.
 */
export type TransportFailure = "retry" | "content" | "fatal";

export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    message: string,
    readonly code: string,
    readonly failure: TransportFailure,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
