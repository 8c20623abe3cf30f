/** Messages between the dev worker (parent) and the handler process (child) over Node's IPC channel. */
import type { LambdaContextInput } from "../../events/lambdaContext.js";
import type { MessageAttributes } from "../queue/queueRecords.js";

/**
 * One received message; the child builds the SQS record (md5, receipt handle
 * and all), off the parent's event loop and out of the bytes sent per batch.
 */
export interface WireRecord {
  id: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  firstReceivedAt: number;
  attributes?: MessageAttributes;
}

/** What to hand the handler: an SQS batch (the child builds the records) or a scheduled run. */
export type InvokeEvent =
  | { kind: "sqs"; records: WireRecord[] }
  | { kind: "scheduled"; scheduledTime: number; executionId: string };

export type ToChild = {
  t: "invoke";
  id: number;
  event: InvokeEvent;
  context: Pick<LambdaContextInput, "origin" | "memoryMb" | "deadline" | "awsRequestId">;
};

/**
 * How long the process was busy with the invocation, from its arrival to the
 * reply (ms): the handler's own time, as Lambda reports a duration, without the
 * time the parent took to send it or to read the reply.
 */
type Busy = {
  busyMs?: number;
  /** The process's CPU time in that span (ms): a handler that computes rather than waits gains nothing from more processes than cores. */
  cpuMs?: number;
};

export type FromChild =
  | { t: "ready"; loadMs: number }
  | { t: "load-error"; error: string }
  /**
   * The handler returned; `errors` holds the errors of the records the runtime reported failed
   * ("Name: message", first line), by message id, and `stacks` their stacks.
   */
  | ({ t: "result"; id: number; response: unknown; errors: Record<string, string>; stacks?: Record<string, string> } & Busy)
  /** The invocation failed as a whole (a throw, a crash); `stack` is that error's, when it has one. */
  | ({ t: "error"; id: number; error: string; stack?: string; errors: Record<string, string>; stacks?: Record<string, string> } & Busy)
  /** An uncaught exception or unhandled rejection: the process takes no more work and exits (after failing the invocation in flight). */
  | { t: "crash"; error: string };

/**
 * A line the handler process writes during an invocation starts with
 * OUTPUT_TAG, the invocation's awsRequestId, OUTPUT_TAG_END (ASCII record and
 * unit separators, which no log line holds); the parent strips them.
 */
export const OUTPUT_TAG = "\u001e";
export const OUTPUT_TAG_END = "\u001f";
