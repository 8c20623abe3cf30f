/**
 * What became of each record and scheduled run, for a host that runs the worker
 * and wants to know (`letsgo-worker dev`'s handler process), apart from the logs,
 * which are for people and may go to a custom logger or nowhere. The host puts a
 * reporter in a process-global slot keyed by `Symbol.for`, so every copy of the
 * runtime in the process (the one the user's code loads, the one the host
 * imports) finds the same one. In Lambda nobody sets it, and reporting does nothing.
 */
import { processSlot } from "./processSlot.js";

/** A failed outcome carries what was thrown, as it was thrown (usually an Error: name, message, stack). */
export type OutcomeResult = { ok: true } | { ok: false; error: unknown };

/** One SQS record, handled or failed. */
export type MessageOutcome = OutcomeResult & {
  kind: "message";
  messageId: string;
  /** The message's `type`, once its body parsed ("scheduled run (redriven)" for a failed run back from the DLQ). */
  messageType?: string;
  durationMs: number;
};

/** One scheduled run, done or failed. */
export type ScheduledOutcome = OutcomeResult & {
  kind: "scheduled";
  /** The scheduler's execution id. */
  executionId: string;
  /** When the run was due, ISO 8601. */
  scheduledTime: string;
  durationMs: number;
};

export type RuntimeOutcome = MessageOutcome | ScheduledOutcome;

export type OutcomeReporter = (outcome: RuntimeOutcome) => void;

/** The process's reporter: one slot, the same in every copy of the runtime. */
const installedReporter = processSlot<OutcomeReporter>("outcomes");

/** Install the process's reporter (undefined removes it). */
export function setOutcomeReporter(reporter: OutcomeReporter | undefined): void {
  installedReporter.set(reporter);
}

/** The `msg` of the runtime's own log lines that only tell an outcome: named once, logged and recognised by these names. */
export const OutcomeLog = {
  MessageHandled: "message handled",
  MessageFailed: "message failed",
  BatchDone: "batch done",
  ScheduledRunDone: "scheduled run done",
  ScheduledRunFailed: "scheduled run failed",
} as const;

/** Those lines, which a reporter learns anyway (dev hides them). */
export const OUTCOME_LOG_MESSAGES: ReadonlySet<string> = new Set(Object.values(OutcomeLog));

/** Whether a host has installed a reporter (dev's handler process does; Lambda has none). */
export function hasOutcomeReporter(): boolean {
  return typeof installedReporter.get() === "function";
}

/** Hand an outcome to the installed reporter, if any; a reporter that throws never fails the record. */
export function reportOutcome(outcome: RuntimeOutcome): void {
  const reporter = installedReporter.get();
  if (typeof reporter !== "function") return;
  try {
    reporter(outcome);
  } catch {
    // the host's problem, not the record's
  }
}
