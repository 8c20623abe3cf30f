/**
 * What Lambda's event source mapping makes of a handler's result with
 * ReportBatchItemFailures on: a throw or timeout fails the whole batch; a null or
 * empty response, or an empty or null `batchItemFailures`, deletes it all; listed
 * ids go back to the queue; an entry with an empty, missing or unknown
 * `itemIdentifier` fails the whole batch.
 */
import type { InvokeOutcome } from "../pool/handlerProcess.js";

/** Why one message of the batch failed: the error's first line, and its stack when one is known. */
export interface BatchFailure {
  error: string;
  stack?: string;
}

/** Failed message id → the error (and stack) to show and keep with the message. */
export type BatchFailures = Map<string, BatchFailure>;

export function judgeBatch(ids: string[], outcome: InvokeOutcome): BatchFailures {
  if (!outcome.ok) return failAll(ids, outcome.error, outcome.stack);
  const response = outcome.response as { batchItemFailures?: unknown } | null;
  if (response === null || typeof response !== "object") return new Map();
  const entries = response.batchItemFailures;
  if (entries === undefined || entries === null) return new Map();
  if (!Array.isArray(entries)) {
    return failAll(ids, "the handler returned batchItemFailures that is not a list: the whole batch is retried");
  }
  const inBatch = new Set(ids);
  const failures: BatchFailures = new Map();
  for (const entry of entries) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "") {
      return failAll(ids, "a batchItemFailures entry has an empty or missing itemIdentifier: the whole batch is retried");
    }
    if (!inBatch.has(id)) {
      return failAll(ids, `batchItemFailures names "${id}", which is not in the batch: the whole batch is retried`);
    }
    const stack = outcome.stacks?.[id];
    failures.set(id, { error: outcome.errors[id] ?? "reported in batchItemFailures", ...(stack === undefined ? {} : { stack }) });
  }
  return failures;
}

function failAll(ids: string[], error: string, stack?: string): BatchFailures {
  const failure: BatchFailure = stack === undefined ? { error } : { error, stack };
  return new Map(ids.map((id) => [id, failure]));
}
