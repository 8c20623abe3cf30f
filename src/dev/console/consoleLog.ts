/**
 * What `dev` prints: a banner, then one line per outcome (type, short id, attempt,
 * duration, the error's first line) and a clear line when a message is
 * dead-lettered. `json` prints one JSON object per line instead, for machines.
 * Lines are written once per event-loop turn: thousands of messages a second
 * must not cost a write each.
 */
import path from "node:path";
import type { DevWorker, DevWorkerEvents } from "../devWorkerTypes.js";
import { jsonHandlers } from "./jsonLines.js";
import { terminalSafe } from "./printable.js";
import { textHandlers } from "./textLines.js";

export interface ConsoleOptions {
  json: boolean;
  /** Results and outcomes. */
  out: (text: string) => void;
  /** Colours for a terminal (identity when not one). */
  style: Record<"bold" | "dim" | "green" | "yellow" | "red" | "cyan", (text: string) => string>;
  projectDir: string;
  watching: boolean;
  /** Under a failed message, its whole stack instead of the first frames of the user's code. */
  verbose?: boolean;
}

/** A line (or JSON object) per event, each handler typed by its event's payload. */
export type ConsoleHandlers = { [K in keyof DevWorkerEvents]?: (...args: DevWorkerEvents[K]) => void };

/** What both kinds of line are written with. */
export interface LineKit {
  write(line: string): void;
  json(event: keyof DevWorkerEvents, fields: object): void;
  short(id: string): string;
  ms(value: number): string;
  rel(file: string): string;
}

export function attachConsole(worker: DevWorker, options: ConsoleOptions): () => void {
  let buffer: string[] = [];
  const write = (line: string) => {
    if (buffer.length === 0) setImmediate(flush);
    buffer.push(terminalSafe(line));
  };
  const flush = () => {
    if (buffer.length === 0) return;
    const text = buffer.join("\n") + "\n";
    buffer = [];
    options.out(text);
  };
  let stamp = { ms: 0, iso: "" };
  const now = () => {
    const ms = Date.now();
    if (ms !== stamp.ms) stamp = { ms, iso: new Date(ms).toISOString() };
    return stamp.iso;
  };
  const json = (event: keyof DevWorkerEvents, fields: object) => write(JSON.stringify({ event, time: now(), ...fields }));
  const short = (id: string) => id.slice(0, 8);
  const ms = (value: number) => `${Math.round(value)}ms`;
  const rel = (file: string) => path.relative(options.projectDir, file) || file;

  const kit: LineKit = { write, json, short, ms, rel };
  const text = options.json ? undefined : textHandlers(worker, options, kit);
  const handlers: ConsoleHandlers = text?.handlers ?? jsonHandlers(worker, kit);
  // Each entry is typed against its own event above; the loop only pairs names with listeners.
  const listeners = Object.entries(handlers) as Array<["ready", (...args: DevWorkerEvents["ready"]) => void]>;
  for (const [event, handler] of listeners) worker.on(event, handler);
  return () => {
    for (const [event, handler] of listeners) worker.off(event, handler);
    text?.end();
    flush();
  };
}
