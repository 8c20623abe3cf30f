/**
 * The dashboard's live updates: Server-Sent Events (GET /api/events), one tick
 * a second carrying the overview (counts, rates, processes, the charts' latest
 * second) and the summaries of messages that changed since the last tick (at
 * most CHANGED_PER_TICK). The charts are sampled each second whether a page is
 * open or not (one read of the queue's counts); the rest is built only while
 * one is.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MessageHistory } from "../history/history.js";
import type { JournalState } from "../journal/journalTypes.js";
import type { QueueStats } from "../queue/queueRecords.js";
import type { TypesState } from "../types/typeChecks.js";
import type { LiveEvents, Overview, SettingInWords } from "./devApi.js";
import { LiveSeries } from "./liveSeries.js";

/** What the live stream reads from the running worker. */
export interface LiveSource {
  history: MessageHistory;
  stats(): QueueStats;
  /** Whether the journal can be written (a full disk: POST / answers 503), as /health says it. */
  journal(): JournalState;
  /** Messages handled and failed so far (this session): the rates are their differences. */
  counters(): { processed: number; failed: number };
  processes(): Array<{ pid?: number; state: string }>;
  restarts(): number;
  /** The settings in force, in words with units. */
  settings(): SettingInWords[];
  handler(): { loaded: boolean; loadMs?: number; error?: string; image?: string };
  /** The latest background type check of the worker. */
  types(): TypesState;
}

const TICK_MS = 1_000;
const CHANGED_PER_TICK = 100;

/** The open pages, and the one timer that feeds them while there are any. */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  /** Sampled every second whether a page is open or not: a page opened now shows the minutes before. */
  readonly series = new LiveSeries();
  private readonly timer: NodeJS.Timeout;
  private seq: number;

  constructor(private readonly source: LiveSource) {
    this.seq = source.history.version;
    this.sample();
    this.timer = setInterval(() => this.tick(), TICK_MS).unref();
  }

  overview(): Overview {
    return {
      stats: this.source.stats(),
      journal: this.source.journal(),
      rates: { handledPerSecond: this.series.latest?.handledPerSecond ?? 0, failedPerSecond: this.series.latest?.failedPerSecond ?? 0 },
      sample: this.series.latest ?? null,
      processes: this.processesWithMemory(),
      restarts: this.source.restarts(),
      handler: this.source.handler(),
      types: this.source.types(),
      settings: this.source.settings(),
      historySize: this.source.history.size,
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse, req: IncomingMessage): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    // A reconnecting page gets a fresh overview: the history it missed it reloads itself.
    res.write(`retry: 1000\n${liveFrame("overview", this.overview())}`);
    // The first page since none was open: changes from before it are in what it loads itself.
    if (this.clients.size === 0) this.seq = this.source.history.version;
    this.clients.add(res);
    const detach = () => this.clients.delete(res);
    req.on("close", detach);
    res.on("error", detach);
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private sample(): void {
    const stats = this.source.stats();
    const { processed, failed } = this.source.counters();
    this.series.sample({ processed, failed, depth: stats.visible + stats.delayed + stats.inFlight, oldestAgeMs: stats.oldestVisibleAgeMs }, Date.now());
  }

  /** Each second: a sample for the charts, and, while pages are open, the overview and the messages that changed. */
  private tick(): void {
    this.sample();
    if (this.clients.size === 0) return;
    const { seq, changed } = this.source.history.changedSince(this.seq, CHANGED_PER_TICK);
    this.seq = seq;
    const frames = [liveFrame("overview", this.overview())];
    if (changed.length > 0) frames.push(liveFrame("messages", changed));
    const text = frames.join("");
    for (const res of this.clients) res.write(text);
  }

  /** Each process's resident memory, from /proc where there is one (Linux). */
  private processesWithMemory() {
    return this.source.processes().map((proc) => ({ ...proc, ...(proc.pid === undefined ? {} : rssOf(proc.pid)) }));
  }
}

/** One Server-Sent Event of the live stream, typed by its name. */
function liveFrame<E extends keyof LiveEvents>(event: E, data: LiveEvents[E]): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function rssOf(pid: number): { rssMb?: number } {
  try {
    // statm: size resident shared ... in pages.
    const resident = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return Number.isFinite(resident) ? { rssMb: Math.round((resident * 4096) / 1048576) } : {};
  } catch {
    return {};
  }
}
