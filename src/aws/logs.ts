/**
 * `logs`: the function's CloudWatch Logs, pretty-printed. The runtime writes one
 * JSON object per line ({level, msg, ...fields}); those become
 * `time LEVEL msg key=value`. Lambda's own START/END/REPORT lines are kept as
 * they are. `follow` polls for new events until the signal aborts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { UsageError } from "../errors.js";
import type { Aws } from "./clients.js";
import { NOT_FOUND, readOrUndefined } from "./failure.js";
import { logGroup as logGroupResource } from "./resources/index.js";
import { withAws, type AwsCommandOptions } from "./session.js";

export interface LogEvent {
  timestamp: number;
  message: string;
  stream?: string;
  eventId?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10m`, `2h`, `30s`, `1d`, or an ISO date → epoch ms. */
export function parseSince(value: string, now: number): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (match) return now - Number(match[1]) * UNITS[match[2]!]!;
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return date;
  throw new UsageError(`--since must look like 30s, 10m, 2h, 1d or an ISO date, got "${value}".`);
}

/** One log event as a line for people. */
export function formatLogEvent(event: LogEvent): string {
  const time = new Date(event.timestamp).toISOString();
  const text = event.message.replace(/\n$/, "");
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const { level, msg, ...fields } = JSON.parse(trimmed) as Record<string, unknown>;
      if (typeof msg === "string") {
        const rest = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
        return [time, String(level ?? "info").toUpperCase().padEnd(5), msg, ...rest].join(" ");
      }
    } catch {
      // not JSON after all: shown as it is
    }
  }
  return `${time} ${text}`;
}

export interface LogsOptions extends AwsCommandOptions {
  since?: string;
  follow?: boolean;
  /** Ends `follow`. */
  signal?: AbortSignal;
  /** Pause between polls when following, ms. */
  pollMs?: number;
  now?: () => number;
  onEvent: (event: LogEvent) => void;
  /** Told once when the log group does not exist yet. */
  onMissing?: (logGroup: string) => void;
}

/**
 * CloudWatch Logs may deliver an event after later ones (ingestion is not in
 * timestamp order): each poll goes back this far before the newest event seen,
 * and events already shown are recognised by their id.
 */
export const FOLLOW_OVERLAP_MS = 10_000;

/** Remembers shown events by id for as long as a poll can return them again. */
export class SeenEvents {
  private readonly seen = new Map<string, number>();

  /** True the first time an event is offered. */
  add(event: LogEvent): boolean {
    const key = event.eventId ?? `${event.timestamp}:${event.stream}:${event.message}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, event.timestamp);
    return true;
  }

  /** Forget events older than `before`: no poll starting there returns them. */
  forgetBefore(before: number): void {
    for (const [key, timestamp] of this.seen) if (timestamp < before) this.seen.delete(key);
  }
}

/** Fetch (and with `follow`, keep fetching) the function's log events in time order. */
export async function readLogs(options: LogsOptions): Promise<{ events: number; logGroup: string }> {
  const now = options.now ?? Date.now;
  const since = parseSince(options.since ?? "10m", now());
  return withAws(options, "Reading the function's logs", async ({ aws, target }) => {
    const logGroup = logGroupResource.name(target);
    const events = await readLogGroup(aws, logGroup, { ...options, since });
    return { events, logGroup };
  });
}

export interface LogGroupReading extends Pick<LogsOptions, "follow" | "signal" | "pollMs" | "onEvent" | "onMissing"> {
  /** Epoch ms of the first event wanted. */
  since: number;
}

/** The log group's events from `since`, in time order, each once; with `follow`, until the signal aborts. Returns how many. */
export async function readLogGroup(aws: Aws, logGroup: string, options: LogGroupReading): Promise<number> {
  const { since } = options;
  const { FilterLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  const logs = await aws.client("logs");
  const seen = new SeenEvents();
  let newest = since;
  let count = 0;
  let toldMissing = false;
  for (;;) {
    const startTime = Math.max(since, newest - FOLLOW_OVERLAP_MS);
    let nextToken: string | undefined;
    const batch: LogEvent[] = [];
    try {
      do {
        const request = new FilterLogEventsCommand({ logGroupName: logGroup, startTime, nextToken });
        const page = await readOrUndefined(() => logs.send(request, { abortSignal: options.signal }), NOT_FOUND.resource);
        if (!page) {
          if (!toldMissing) options.onMissing?.(logGroup);
          toldMissing = true;
          break;
        }
        for (const e of page.events ?? []) {
          batch.push({ timestamp: e.timestamp ?? 0, message: e.message ?? "", stream: e.logStreamName, eventId: e.eventId });
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    batch.sort((a, b) => a.timestamp - b.timestamp);
    for (const event of batch) {
      if (!seen.add(event)) continue;
      newest = Math.max(newest, event.timestamp);
      count++;
      options.onEvent(event);
    }
    seen.forgetBefore(Math.max(since, newest - FOLLOW_OVERLAP_MS));
    if (!options.follow || options.signal?.aborted) break;
    try {
      await sleep(options.pollMs ?? 2000, undefined, { signal: options.signal });
    } catch {
      break; // aborted
    }
  }
  return count;
}
