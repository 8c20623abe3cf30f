/**
 * The deployed worker as the dashboard shows it beside the local one: the
 * queue's and the DLQ's depth, the schedule, recent invocations with their
 * outcome and duration, and for each dead-lettered message its last error and
 * stack, found in the function's logs by message id (the runtime writes one
 * JSON line per record: "message handled" / "message failed"). Read with the
 * same calls as `status`, `dlq list --aws` and `logs`.
 */
import { errorMessage } from "../errors.js";
import { OutcomeLog } from "../runtime/outcomes.js";
import { listDeployedDlq, type DlqMessage } from "./deployedQueue.js";
import { readLogs, type LogEvent } from "./logs.js";
import type { AwsCommandOptions } from "./session.js";
import { getStatus } from "./status.js";

/** One record's outcome, as the runtime logged it. */
export interface DeployedInvocation {
  at: number;
  kind: "message" | "scheduled";
  ok: boolean;
  durationMs?: number;
  messageId?: string;
  type?: string;
  error?: string;
  stack?: string;
}

export type DeployedDeadLetter = DlqMessage & { lastError?: string; stack?: string; failedAt?: number };

export interface DeployedView {
  deployment: string;
  region: string;
  account: string;
  /** null when the deployment has no queue (not deployed, or another region). */
  queue: { visible: number; inFlight: number; delayed: number } | null;
  dlq: { visible: number; messages: DeployedDeadLetter[] } | null;
  schedule: { expression: string; timezone: string; state?: string; nextFire?: string; description?: string } | null;
  /** Newest first, at most MAX_INVOCATIONS, from the logs of the last `since`. */
  invocations: DeployedInvocation[];
  logGroup: string;
  /** How far back the logs were read ("24h"), and whether the log group exists yet. */
  since: string;
  logsFound: boolean;
  /** What this view cannot show, and where AWS shows it. */
  onlyInAws: string[];
}

export const MAX_INVOCATIONS = 50;
/** Log events read at most per refresh: a busy function's day of logs is not read whole. */
export const MAX_LOG_EVENTS = 20_000;

const ONLY_IN_AWS = [
  "The age of the oldest message is the CloudWatch metric ApproximateAgeOfOldestMessage (SQS console, Monitoring): the SQS API does not give it.",
  "Invocations that log nothing (a crash before the runtime loads, a timeout) appear only as REPORT lines in the logs: `letsgo-worker logs`.",
];

/** The runtime's outcome lines in `events`: the invocations (newest first) and, by message id, each message's last failure. */
export function outcomesFromLogs(events: readonly LogEvent[]): { invocations: DeployedInvocation[]; failures: Map<string, { error: string; stack?: string; at: number }> } {
  const invocations: DeployedInvocation[] = [];
  const failures = new Map<string, { error: string; stack?: string; at: number }>();
  for (const event of events) {
    const line = event.message.trim();
    if (!line.startsWith("{")) continue;
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const text = (key: string) => (typeof fields[key] === "string" ? (fields[key] as string) : undefined);
    const msg = text("msg");
    const durationMs = typeof fields.durationMs === "number" ? fields.durationMs : undefined;
    const common = { at: event.timestamp, ...(durationMs === undefined ? {} : { durationMs }) };
    if (msg === OutcomeLog.MessageHandled || msg === OutcomeLog.MessageFailed) {
      const ok = msg === OutcomeLog.MessageHandled;
      const invocation: DeployedInvocation = { ...common, kind: "message", ok, ...optional({ messageId: text("messageId"), type: text("messageType"), error: text("error"), stack: text("stack") }) };
      invocations.push(invocation);
      if (!ok && invocation.messageId) failures.set(invocation.messageId, { error: invocation.error ?? "failed", ...optional({ stack: invocation.stack }), at: event.timestamp });
    } else if (msg === OutcomeLog.ScheduledRunDone || msg === OutcomeLog.ScheduledRunFailed) {
      invocations.push({ ...common, kind: "scheduled", ok: msg === OutcomeLog.ScheduledRunDone, ...optional({ error: text("error"), stack: text("stack") }) });
    }
  }
  invocations.sort((a, b) => b.at - a.at);
  return { invocations: invocations.slice(0, MAX_INVOCATIONS), failures };
}

function optional<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<Record<keyof T, string>>;
}

/** Everything the Deployed view shows; what cannot be read (no DLQ yet, no logs yet) is said, not thrown. */
export async function deployedView(options: AwsCommandOptions & { since?: string }): Promise<DeployedView> {
  const since = options.since ?? "24h";
  const status = await getStatus(options);
  const events: LogEvent[] = [];
  let logsFound = true;
  const logs = await readLogs({
    ...options,
    since,
    onEvent: (event) => {
      events.push(event);
      if (events.length > MAX_LOG_EVENTS) events.shift();
    },
    onMissing: () => (logsFound = false),
  });
  const { invocations, failures } = outcomesFromLogs(events);
  let dlq: DeployedView["dlq"] = null;
  if (status.deadLetterQueue) {
    const listing = await listDeployedDlq(options).catch((error: unknown) => ({ approximateCount: status.deadLetterQueue!.depth, messages: [], error: errorMessage(error) }));
    dlq = {
      visible: listing.approximateCount,
      messages: listing.messages.map((message) => {
        const failure = failures.get(message.messageId);
        return failure ? { ...message, lastError: failure.error, ...(failure.stack ? { stack: failure.stack } : {}), failedAt: failure.at } : message;
      }),
    };
  }
  return {
    deployment: status.deployment,
    region: status.region,
    account: status.account,
    queue: status.queue ? { visible: status.queue.depth, inFlight: status.queue.inFlight, delayed: status.queue.delayed } : null,
    dlq,
    schedule: status.schedule ?? null,
    invocations,
    logGroup: logs.logGroup,
    since,
    logsFound,
    onlyInAws: ONLY_IN_AWS,
  };
}
