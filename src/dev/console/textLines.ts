/** `dev`'s lines for a person: one per outcome (type, short id, attempt, duration, the error's first line), coloured on a terminal. */
import path from "node:path";
import { OUTCOME_LOG_MESSAGES } from "../../runtime/outcomes.js";
import { formatTypeError } from "../../project/typecheck.js";
import type { DevWorker, TypesChecked } from "../devWorkerTypes.js";
import { stackLinesToShow } from "../pool/stackFrames.js";
import { clockTime, spokenDuration } from "../queue/retryTiming.js";
import { banner } from "./banner.js";
import type { ConsoleHandlers, ConsoleOptions, LineKit } from "./consoleTypes.js";
import { printable as p, printableLines } from "./printable.js";

/**
 * Under load, ✓ lines are summed up: the first this many of each second are
 * printed, the rest counted by type and said in one line when the second ends.
 * Nobody reads thousands of lines a second, and a terminal that must draw them
 * slows the worker down. Failures and dead letters are always printed in full;
 * --json prints every event.
 */
export const HANDLED_LINES_PER_SECOND = 100;

/**
 * The handler's own output, likewise: the first this many lines of each second
 * are printed, the rest counted in one line. Every line is still filed under
 * its attempt (the dashboard's story of each message) and in --json.
 */
export const OUTPUT_LINES_PER_SECOND = 200;

/**
 * A JSON log line whose `msg` is one of the runtime's outcome messages, whatever
 * the order of its fields: the ✓/✗ lines already say it. (The runtime's default
 * logger leaves them out under dev; a logger passed to createWorkerHandler
 * still writes them.)
 */
function isRuntimeOutcome(line: string): boolean {
  if (!line.startsWith("{") || !line.includes('"msg"')) return false;
  try {
    const { msg, level } = JSON.parse(line) as { msg?: unknown; level?: unknown };
    return typeof level === "string" && typeof msg === "string" && OUTCOME_LOG_MESSAGES.has(msg);
  } catch {
    return false;
  }
}

const STALE_NOW = {
  "received-again": "the message was received again",
  dead: "the message is in the dead-letter queue",
  deleted: "the message was already deleted",
};

/** A type check's lines: errors each time there are some, "no errors" once at first and once when they are gone. */
function typeCheckLines(style: ConsoleOptions["style"], ms: LineKit["ms"]): (o: TypesChecked) => string[] {
  let typeErrorsShown: boolean | undefined;
  return (o: TypesChecked): string[] => {
    if ("failed" in o) return [style.yellow(`! types     the type check could not run: ${p(o.failed)}`)];
    if (o.ok) {
      const was = typeErrorsShown;
      typeErrorsShown = false;
      if (was === false) return [];
      return [was ? style.green(`✓ types     no errors now ${style.dim(`(${ms(o.ms)})`)}`) : style.dim(`  types     no errors (${ms(o.ms)}, ${o.compiler}); checked again after each change`)];
    }
    typeErrorsShown = true;
    const shown = o.errors.slice(0, 5).map((error) => style.red(`    ${p(formatTypeError(error))}`));
    const more = o.total > shown.length ? [style.dim(`    … and ${o.total - shown.length} more: npx tsc --noEmit -p ${o.tsconfig ?? "apps/worker/tsconfig.json"}`)] : [];
    return [
      `${style.red("✗")} types     ${o.total} type error${o.total === 1 ? "" : "s"} ${style.dim("(delivery goes on with the code as it is; build and deploy refuse it)")}`,
      ...shown,
      ...more,
    ];
  };
}

export function textHandlers(worker: DevWorker, options: ConsoleOptions, { write, short, ms, rel }: LineKit): { handlers: ConsoleHandlers; end(): void } {
  const { style } = options;
  const typesLines = typeCheckLines(style, ms);
  const { handledLine, outputLine } = linesUnderLoad(write, style);
  const handlers: ConsoleHandlers = {
    ready: () => banner(worker, options).forEach(write),
    "message:handled": (o) => handledLine(o.type, () => `${style.green("✓")} ${p(o.type)} ${style.dim(short(o.id))} ${o.attempt}/${o.maxAttempts} ${style.dim(ms(o.durationMs))}`),
    "message:failed": (o) => {
      write(`${style.red("✗")} ${p(o.type)} ${style.dim(short(o.id))} ${o.attempt}/${o.maxAttempts} ${style.dim(ms(o.durationMs))} ${style.red(p(o.error))}`);
      for (const line of stackLinesToShow(o.stack, path.resolve(options.projectDir), options.verbose === true)) write(style.dim(`    ${p(line)}`));
      if (o.nextAttemptAt && o.deadLetterAt) write(style.dim(`    ${nextAttemptLine({ ...o, nextAttemptAt: o.nextAttemptAt, deadLetterAt: o.deadLetterAt })}`));
    },
    "message:retried": (o) => write(`${style.cyan("↻")} ${p(o.type)} ${short(o.id)} retried now: attempt ${o.attempt} ${style.dim("(letsgo-worker retry, dev only)")}`),
    "message:dead": (o) =>
      write(
        `${style.red("☠")} ${p(o.type)} ${short(o.id)} moved to the dead-letter queue after ${o.attempts} attempt${o.attempts === 1 ? "" : "s"}: ${p(o.error)}` +
          style.dim(`  (letsgo-worker dlq redrive --id ${o.id})`),
      ),
    "message:stale": (o) =>
      write(
        style.yellow(
          `! ${p(o.type)} ${short(o.id)} ${o.attempt}/${o.maxAttempts} ${ms(o.durationMs)} ${o.succeeded ? "succeeded" : `failed (${p(o.error ?? "no result")})`} after its visibility timeout: ` +
            `the result is ignored, as SQS ignores an old receipt handle; ${STALE_NOW[o.now as keyof typeof STALE_NOW]}` +
            (o.currentAttempt ? ` (attempt ${o.currentAttempt}/${o.maxAttempts})` : "") +
            ". Raise LETSGO_WORKER_VISIBILITY_TIMEOUT above the handler's running time.",
        ),
      ),
    "message:duplicated": (o) =>
      write(style.yellow(`⧉ ${p(o.type)} ${short(o.id)} handled, and delivered once more (--at-least-once: a standard queue may deliver a message twice)`)),
    "message:redriven": (o) => write(`${style.cyan("↺")} ${p(o.type)} ${short(o.from)} redriven from the dead-letter queue as ${short(o.id)} ${style.dim("(a new message, as SQS's redrive makes)")}`),
    "message:expired": (o) =>
      write(
        style.yellow(
          `⌛ ${p(o.type)} ${short(o.id)} expired after ${spokenDuration(o.ageSeconds * 1000)} ${
            o.dead ? "in the dead-letter queue (its age counts from the first send, as in SQS's)" : "in the queue (LETSGO_WORKER_MESSAGE_RETENTION)"
          }: dropped, as SQS drops it`,
        ),
      ),
    "handler:loaded": (o) => {
      if (o.reloaded) write(style.cyan(`↻ handler reloaded (${o.loadMs} ms)`));
    },
    "handler:load-error": (o) =>
      write(
        style.red(
          `✗ handler failed to load; messages wait until it does (trying again in ${Math.ceil(o.retryInMs / 1000)} s${options.watching ? ", or at once when you save a file" : ""}):\n${printableLines(o.error)}`,
        ),
      ),
    "types:warnings": (o) => write(style.yellow(o.warnings.map((warning: string) => `! ${rel(o.file)}: ${p(warning)}`).join("\n"))),
    "types:checked": (o: TypesChecked) => typesLines(o).forEach(write),
    "types:unchecked-at-start": (o) =>
      write(style.yellow(`! ${o.count} message${o.count === 1 ? "" : "s"} came in before the types were first read: accepted unchecked (as SQS accepts any body); the runtime checks each payload before the handler, as in AWS`)),
    "handler:exit": (o) =>
      write(style.yellow(`! ${o.reason}; ${o.inFlight > 0 ? "the invocation in it failed; " : ""}a fresh handler process takes its place`)),
    "handler:output": (o) => {
      if (!isRuntimeOutcome(o.line)) outputLine("output", () => `${style.dim("│")} ${printableLines(o.line)}`);
    },
    "schedule:ran": (o) => {
      const attempt = o.maxAttempts > 1 ? ` ${o.attempt}/${o.maxAttempts}` : "";
      const what = `scheduled run ${style.dim(short(o.executionId))} ${o.trigger === "request" ? "(POST /schedule)" : `due ${o.scheduledTime}`}${attempt} ${style.dim(ms(o.durationMs))}`;
      const retry = !o.ok && o.retryInMs !== undefined ? style.yellow(`  retrying in ${o.retryInMs / 1000} s`) : "";
      const next = o.next ? style.dim(`  next ${o.next}`) : "";
      write(o.ok ? `${style.green("✓")} ${what}${next}` : `${style.red("✗")} ${what} ${style.red(p(o.error))}${retry}${next}`);
    },
    "stripe:received": (o) =>
      write(
        o.duplicate
          ? style.dim(`= stripe ${p(o.type)} ${p(o.eventId)} already enqueued: duplicate delivery ignored`)
          : `${style.cyan("→")} stripe ${p(o.type)} ${p(o.eventId)} enqueued as letsgo:stripe ${style.dim(short(o.messageId ?? ""))}`,
      ),
    "stripe:refused": (o) => {
      write(style.red(`✗ stripe delivery ${o.what === "stripe webhook refused" ? "refused" : "not enqueued"}${o.reason ? ` (${p(o.reason)})` : ""}: ${p(o.error)}`));
      if (o.advice) write(style.dim(`    ${p(o.advice)}`));
    },
    // A reload for .env is said by its "settings:changed" line.
    reload: (o) => {
      if (o.reason === "source") write(style.dim(`changed: ${o.files.map(rel).join(", ")}`));
    },
    "settings:changed": (o) => {
      if (o.applied.length > 0) write(style.cyan(`↻ ${o.applied.join(", ")} changed in ${rel(o.file)}: applied`));
      if (o.needsRestart.length > 0) write(style.yellow(`! ${o.needsRestart.join(", ")} changed in ${rel(o.file)}: restart dev to apply`));
    },
    "settings:invalid": (o) => write(style.red(`✗ ${p(o.error.replaceAll(o.file, rel(o.file)))} Not applied: dev keeps its last good settings.`)),
    "journal:degraded": (o) =>
      write(style.red(`! the queue journal cannot be written: ${o.reason}. POST / answers 503 (nothing accepted is lost); dev retries by itself`)),
    "journal:resumed": () => write(style.green("✓ the queue journal can be written again: accepting messages")),
  };
  return {
    handlers,
    end: () => {
      handledLine.end();
      outputLine.end();
    },
  };
}

/** The two kinds of line summed up under load: ✓ lines (by type) and the handler's output. */
function linesUnderLoad(write: (line: string) => void, style: ConsoleOptions["style"]) {
  const outputLine = summedUnderLoad(write, OUTPUT_LINES_PER_SECOND, (count) =>
    style.dim(`│ … ${thousands(count)} more line${count === 1 ? "" : "s"} of handler output in the last second (over ${OUTPUT_LINES_PER_SECOND} a second they are summed up here; each message's are in its story on the dashboard)`),
  );
  const handledLine = summedUnderLoad(write, HANDLED_LINES_PER_SECOND, (count, byType) => {
    const types = [...byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${p(type)} ${thousands(n)}`);
    return `${style.green("✓")} ${thousands(count)} more handled in the last second ${style.dim(`(${types.join(", ")}; over ${HANDLED_LINES_PER_SECOND} a second, ✓ lines are summed up)`)}`;
  });
  return { handledLine, outputLine };
}

/**
 * Print up to `perSecond` lines a second (`line` is only called for those);
 * count the others by type, and when their second ends, print `summary`.
 */
function summedUnderLoad(write: (line: string) => void, perSecond: number, summary: (count: number, byType: Map<string, number>) => string) {
  let windowEnds = 0;
  let shown = 0;
  let skipped = 0;
  let byType = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  const endWindow = () => {
    clearTimeout(timer);
    timer = undefined;
    if (skipped > 0) write(summary(skipped, byType));
    skipped = 0;
    byType = new Map();
  };
  const show = (type: string, line: () => string) => {
    const now = Date.now();
    if (now >= windowEnds) {
      if (skipped > 0) endWindow();
      windowEnds = now + 1000;
      shown = 0;
    }
    if (++shown <= perSecond) return write(line());
    if (skipped++ === 0) timer = setTimeout(endWindow, windowEnds - now).unref();
    byType.set(type, (byType.get(type) ?? 0) + 1);
  };
  return Object.assign(show, { end: endWindow });
}

/** "next attempt 2/5 at 14:03:12 (in 6 min) · DLQ by 14:27:12 if it keeps failing · now: letsgo-worker retry 1a2b3c4d" */
function nextAttemptLine(o: { id: string; attempt: number; maxAttempts: number; nextAttemptAt: string; deadLetterAt: string }): string {
  const next = Date.parse(o.nextAttemptAt);
  const dead = Date.parse(o.deadLetterAt);
  return (
    `next attempt ${o.attempt + 1}/${o.maxAttempts} at ${clockTime(next)} (in ${spokenDuration(next - Date.now())})` +
    ` · DLQ by ${clockTime(dead)} if it keeps failing · now: letsgo-worker retry ${o.id.slice(0, 8)}`
  );
}

/** 12,345: without toLocaleString, which maps ICU's locale data into dev's memory. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
