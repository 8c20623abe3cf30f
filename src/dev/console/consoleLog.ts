/**
 * What `dev` prints: a banner, then one line per outcome (type, short id, attempt,
 * duration, the error's first line) and a clear line when a message is
 * dead-lettered. `json` prints one JSON object per line instead, for machines.
 * Lines are written once per event-loop turn: thousands of messages a second
 * must not cost a write each.
 */
import path from "node:path";
import type { DevWorker, DevWorkerEvents } from "../devWorkerTypes.js";
import type { ConsoleHandlers, ConsoleOptions, LineKit } from "./consoleTypes.js";
import { jsonHandlers } from "./jsonLines.js";
import { terminalSafe } from "./printable.js";
import { textHandlers } from "./textLines.js";


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
