/**
 * What `enqueue()` throws. Nothing is dropped silently: a message that was not
 * accepted is always named, by its index in the input, with the reason.
 */
export class QueueError extends Error {
  override name = "QueueError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A message failed the checks made before sending. Nothing of the call was sent. */
export class MessageValidationError extends QueueError {
  override name = "MessageValidationError";
  /** Position of the offending message in the input (0 for a single message). */
  readonly index: number;
  constructor(index: number, message: string) {
    super(message);
    this.index = index;
  }
}

/** LETSGO_WORKER_QUEUE_URL (or another setting the target depends on) is unusable. */
export class QueueConfigError extends QueueError {
  override name = "QueueConfigError";
}

export interface AcceptedMessage {
  /** Position in the input. */
  index: number;
  messageId: string;
}

export interface FailedMessage {
  /** Position in the input. */
  index: number;
  type: string;
  /** Why it was not accepted: the target's own words where it gave any. */
  reason: string;
  /** The target's error code (an SQS error name, `HTTP 413`, ...), or `NotSent` when an earlier failure stopped the call first. */
  code: string;
  /** True when retrying later may work (throttling, an unreachable target); false when the message itself was refused. */
  retriable: boolean;
}

/** Some messages (or all) were not accepted; `accepted` holds those that were, with their ids. */
export class EnqueueError extends QueueError {
  override name = "EnqueueError";
  readonly target: string;
  readonly accepted: AcceptedMessage[];
  readonly failed: FailedMessage[];
  constructor(target: string, accepted: AcceptedMessage[], failed: FailedMessage[], options: { cause?: unknown } = {}) {
    super(describeFailure(target, accepted, failed), options);
    this.target = target;
    this.accepted = accepted;
    this.failed = failed;
  }

  /** Message ids in input order; undefined where a message was not accepted. */
  get messageIds(): Array<string | undefined> {
    const ids: Array<string | undefined> = new Array(this.accepted.length + this.failed.length).fill(undefined);
    for (const { index, messageId } of this.accepted) ids[index] = messageId;
    return ids;
  }
}

function describeFailure(target: string, accepted: AcceptedMessage[], failed: FailedMessage[]): string {
  const total = accepted.length + failed.length;
  const head =
    total === 1
      ? `The message was not accepted by ${target}`
      : `${failed.length} of ${total} messages were not accepted by ${target} (${accepted.length} were; their ids are in error.accepted)`;
  // One line per distinct reason: a queue that is down fails every message the same way.
  const byReason = new Map<string, FailedMessage[]>();
  for (const failure of failed) byReason.set(failure.reason, [...(byReason.get(failure.reason) ?? []), failure]);
  const lines = [...byReason].slice(0, 5).map(([reason, group]) => {
    const types = [...new Set(group.map((f) => f.type))];
    return `${indexRanges(group.map((f) => f.index))} (${types.slice(0, 3).join(", ")}${types.length > 3 ? ", …" : ""}): ${reason}`;
  });
  if (byReason.size > lines.length) lines.push(`… and ${byReason.size - lines.length} more reasons (error.failed lists every message)`);
  return `${head}:\n  ${lines.join("\n  ")}`;
}

/** `#0-#9, #12` for indexes in order. */
function indexRanges(indexes: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indexes.length; i++) {
    const start = indexes[i]!;
    while (i + 1 < indexes.length && indexes[i + 1] === indexes[i]! + 1) i++;
    parts.push(indexes[i] === start ? `#${start}` : `#${start}-#${indexes[i]}`);
  }
  return parts.length > 6 ? `${parts.slice(0, 6).join(", ")}, …` : parts.join(", ");
}
