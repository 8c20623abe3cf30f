/** Helpers for scheduler tests: a handler built with the runtime that records each scheduled run, and at() times. */

/** Records each scheduled run; what it does next is read from `<log>.mode` (ok, throw, exit). */
export const SCHEDULED_HANDLER = `
import { appendFileSync, readFileSync } from "node:fs";
import { createWorkerHandler } from "letsgo-worker/runtime";
const mode = () => { try { return readFileSync(__LOG__ + ".mode", "utf8").trim(); } catch { return "ok"; } };
export const handler = createWorkerHandler({
  handlers: {
    Ping: async (message: any) => { appendFileSync(__LOG__, JSON.stringify({ ping: message.payload }) + "\\n"); },
  },
  scheduled: async (event: any, context: any) => {
    appendFileSync(__LOG__, JSON.stringify({ event, functionName: context.functionName, remaining: context.getRemainingTimeInMillis() }) + "\\n");
    if (mode() === "throw") throw new Error("scheduled on purpose");
    if (mode() === "exit") process.exit(3);
  },
});
`;

/** `at(...)` for a UTC wall-clock time `seconds` from now (whole seconds, as at() takes). */
export function atFromNow(seconds: number): { expression: string; iso: string } {
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000);
  return { expression: `at(${at.toISOString().slice(0, 19)})`, iso: at.toISOString() };
}

