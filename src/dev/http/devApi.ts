/**
 * The dev worker's HTTP API as its clients call it: one entry per route, with
 * its query, its body and what it answers. The routes are written against it
 * (each answer `satisfies` its entry) and the dashboard's modules are checked
 * against it by their JSDoc (tsconfig.dashboard.json, part of `npm run
 * typecheck`), so a change one side makes and the other does not follow fails
 * the type check, not a user's page. Types only: nothing here runs.
 */
import type { HistoryEntry, HistoryMark, HistorySource, HistorySummary, OutputLine } from "../history/history.js";
import type { SettingKey } from "../../project/settings.js";
import type { JournalState } from "../journal/journalTypes.js";
import type { Redriven } from "../queue/queueStore.js";
import type { QueueStats } from "../queue/queueRecords.js";
import type { ScheduledRunOutcome } from "../schedule/scheduledRuns.js";
import type { TypesState } from "../types/typeChecks.js";
import type { SendableType } from "./sendableTypes.js";
import type { DeployedView } from "../../aws/deployedView.js";

/** A dead-lettered message, as GET /dlq lists it. */
export interface DeadMessageView {
  messageId: string;
  type: string;
  body: string;
  receiveCount: number;
  lastError: string | null;
  /** The last error's stack (.ts lines, absolute paths), null when none was reported. */
  lastErrorStack: string | null;
  sentAt: string;
  deadAt: string | null;
}

/** A message waiting for its next attempt, as GET /dlq lists it beside the dead ones. */
export interface RetryingView {
  messageId: string;
  type: string;
  /** Attempts so far, and in all before the DLQ. */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  /** When it would reach the DLQ if every attempt left failed at once. */
  deadLetterAt: string;
}

/** One thing on a message's time axis (services/messageStory.ts builds them). */
export type TimelineItem =
  | { kind: "sent"; at: number; source: HistorySource; from?: string }
  | {
      kind: "attempt";
      n: number;
      at: number;
      durationMs: number;
      ok: boolean;
      requestId: string;
      error?: string;
      /** The first attempt that failed with this same error (and stack): its details are not repeated. */
      sameErrorAs?: number;
      stack?: { user: string[]; other: string[] };
      output: OutputLine[];
    }
  | { kind: "mark"; at: number; what: HistoryMark["what"]; to?: string }
  /** While it waits: the next attempt (of `maxAttempts`), and when it would be in the DLQ if every attempt left fails. */
  | { kind: "next"; at: number; attempt: number; maxAttempts: number; deadLetterAt: number };

/** A setting as the overview lists it: label, value with its unit, and what it does. */
export interface SettingInWords {
  key: SettingKey;
  label: string;
  value: string;
  meaning: string;
}

/** One second of the overview's charts. */
export interface SeriesPoint {
  /** ms since the epoch. */
  at: number;
  handledPerSecond: number;
  failedPerSecond: number;
  /** Messages waiting, delayed and in flight (not the DLQ). */
  depth: number;
  /** The message visible longest: how long since it was sent. */
  oldestAgeSeconds: number;
}

/** What the overview shows, and what the live stream sends each second. */
export interface Overview {
  stats: QueueStats;
  journal: JournalState;
  rates: { handledPerSecond: number; failedPerSecond: number };
  /** The latest second of the charts (GET /api/series gives the minutes before). */
  sample: SeriesPoint | null;
  processes: Array<{ pid?: number; state: string; rssMb?: number }>;
  restarts: number;
  /** `image`: dev --image's latest image, whose containers run the handler. */
  handler: { loaded: boolean; loadMs?: number; error?: string; image?: string };
  types: TypesState;
  settings: SettingInWords[];
  historySize: number;
}

/** A message's story: its history entry, the body parsed when it is JSON, when it is tried again if it waits, and its timeline. */
export type MessageStory = HistoryEntry & { message: unknown; retry: RetryingView | null; timeline: TimelineItem[] };

/** A scheduled run as the Schedule view lists it: its outcome, when it ended, and what the handler printed during it. */
export type ScheduleRunView = ScheduledRunOutcome & { at: string; output: OutputLine[] };

export interface ScheduleView {
  state: "on" | "off" | "none";
  expression: string;
  timezone: string;
  /** In words ("every hour at minute 0"), null when there is no schedule. */
  description: string | null;
  /** The next fire times, in UTC and in the schedule's zone. */
  next: Array<{ utc: string; local: string }>;
  runs: ScheduleRunView[];
}

/** POST /stripe's answer (the handler an app mounts): the enqueued message, a duplicate, or why not. */
export interface StripeAnswer {
  received?: boolean;
  eventId?: string;
  type?: string;
  duplicate?: boolean;
  messageId?: string;
  error?: string;
}

/** Every error answer: the reason in words. */
export interface ErrorAnswer {
  error: string;
}

export interface DevApi {
  "POST /": { query: { delaySeconds?: string }; body: unknown; response: { messageIds: string[] } };
  "POST /schedule": { response: Omit<ScheduledRunOutcome, "ok"> & { ok?: true } };
  "GET /dlq": { response: { messages: DeadMessageView[]; retrying: RetryingView[] } };
  "DELETE /dlq": { response: { purged: number } };
  "POST /dlq/redrive": { query: { messageId?: string }; response: { redriven: number; messages: Redriven[]; messageId?: string; newMessageId?: string } };
  "POST /retry": { query: { messageId: string }; response: { retried: string } };
  "GET /api/overview": { response: Overview };
  /** `matching`: how many the filters match in all (`messages` holds the newest `limit`); `total`: the whole history. */
  "GET /api/messages": { query: { q?: string; type?: string; status?: string; limit?: string }; response: { messages: HistorySummary[]; matching: number; total: number } };
  "GET /api/message": { query: { id: string }; response: { message: MessageStory } };
  "POST /api/replay": { query: { id: string }; body: { payload: unknown } | undefined; response: { messageId: string; from: string } };
  "GET /api/types": { response: { types: SendableType[] } };
  "GET /api/schedule": { response: ScheduleView };
  "GET /api/series": { response: { points: SeriesPoint[]; seconds: number } };
  "GET /api/stripe": { response: { types: readonly string[] } };
  "POST /api/stripe/trigger": { query: { type: string }; response: StripeAnswer };
  /** The deployed worker (this project's deployment, with the shell's AWS credentials): 502 with the reason when AWS cannot be read. */
  "GET /api/deployed": { response: DeployedView };
  /** Redrive the deployed DLQ with SQS's message move task. */
  "POST /api/deployed/redrive": { response: { taskHandle: string; approximateCount: number } };
}

export type DevRoute = keyof DevApi;
/** What `route` answers with a 2xx status. */
export type Answer<R extends DevRoute> = DevApi[R]["response"];

/** The live stream's events (GET /api/events, Server-Sent Events): the overview each second, and the messages that changed. */
export interface LiveEvents {
  overview: Overview;
  messages: HistorySummary[];
}
