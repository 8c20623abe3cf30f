/**
 * What `dev` prints: a banner, then one line per outcome (type, short id, attempt,
 * duration, the error's first line) and a clear line when a message is
 * dead-lettered. `json` prints one JSON object per line instead, for machines.
 * Lines are written once per event-loop turn: thousands of messages a second
 * must not cost a write each.
 */
import path from "node:path";
import { devShownSettings } from "../../project/settings.js";
import { OUTCOME_LOG_MESSAGES } from "../../runtime/outcomes.js";
import { loadErrorSummary } from "../pool/loadError.js";
import { recoveryLines } from "../journal/recoveryReport.js";
import { printable as p, printableLines, terminalSafe } from "./printable.js";
import { stackLinesToShow } from "../pool/stackFrames.js";
import type { DevWorker } from "../worker.js";
import type { DevWorkerEvents, TypesChecked } from "../devWorkerTypes.js";
import { formatTypeError } from "../../project/typecheck.js";
import { awsRetriesInWords, clockTime, retriesInWords, retrySettingsOf, spokenDuration } from "../queue/retryTiming.js";

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

/**
 * Under load, ✓ lines are summed up: the first this many of each second are
 * printed, the rest counted by type and said in one line when the second ends.
 * Nobody reads thousands of lines a second, and a terminal that must draw them
 * slows the worker down. Failures, dead letters and the handler's own output
 * are always printed in full; --json prints every event.
 */
export const HANDLED_LINES_PER_SECOND = 100;

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

/** A line (or JSON object) per event, each handler typed by its event's payload. */
type ConsoleHandlers = { [K in keyof DevWorkerEvents]?: (...args: DevWorkerEvents[K]) => void };

export function attachConsole(worker: DevWorker, options: ConsoleOptions): () => void {
  const { style } = options;
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
  const json = (event: string, fields: object) => write(JSON.stringify({ event, time: now(), ...fields }));
  const short = (id: string) => id.slice(0, 8);
  const ms = (value: number) => `${Math.round(value)}ms`;
  const rel = (file: string) => path.relative(options.projectDir, file) || file;

  // Type checks: errors each time there are some, "no errors" once at first and once when they are gone.
  let typeErrorsShown: boolean | undefined;
  const typesLines = (o: TypesChecked): string[] => {
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

  const handledLine = summedUnderLoad(write, (count, byType) => {
    const types = [...byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${p(type)} ${thousands(n)}`);
    return `${style.green("✓")} ${thousands(count)} more handled in the last second ${style.dim(`(${types.join(", ")}; over ${HANDLED_LINES_PER_SECOND} a second, ✓ lines are summed up)`)}`;
  });

  const handlers: ConsoleHandlers = options.json
    ? {
        ready: () =>
          json("ready", {
            url: worker.url,
            port: worker.port,
            entry: rel(worker.entry),
            settings: devShownSettings(worker.settings),
            devOnly: worker.devOnly,
            ...(worker.settingsWarning ? { settingsWarning: worker.settingsWarning } : {}),
            payloadTypes: { ...worker.payloadTypes, file: rel(worker.payloadTypes.file) },
            handler: worker.handler,
            lambdaWorld: worker.lambdaWorld,
            schedule: { state: worker.schedule.state, next: worker.schedule.next?.toISOString() ?? null },
            stats: worker.stats(),
            journal: worker.replay,
            ...(worker.historyDamage ? { historyDamage: { ...worker.historyDamage, ...(worker.historyDamage.setAside ? { setAside: rel(worker.historyDamage.setAside) } : {}) } } : {}),
            leftoverProcesses: worker.leftoverProcesses,
          }),
        "message:handled": (o) => json("message:handled", o),
        "message:failed": (o) => json("message:failed", o),
        "message:dead": (o) => json("message:dead", o),
        "message:stale": (o) => json("message:stale", o),
        "message:redriven": (o) => json("message:redriven", o),
        "message:retried": (o) => json("message:retried", o),
        "message:duplicated": (o) => json("message:duplicated", o),
        "message:expired": (o) => json("message:expired", o),
        "handler:loaded": (o) => json("handler:loaded", o),
        "handler:load-error": (o) => json("handler:load-error", o),
        "handler:exit": (o) => json("handler:exit", o),
        "types:warnings": (o) => json("types:warnings", { ...o, file: rel(o.file) }),
        "types:checked": (o) => json("types:checked", o),
        "handler:output": (o) => json("handler:output", o),
        "schedule:ran": (o) => json("schedule:ran", o),
        "stripe:received": (o) => json("stripe:received", o),
        "stripe:refused": (o) => json("stripe:refused", o),
        reload: (o) => json("reload", { reason: o.reason, files: o.files.map(rel) }),
        "settings:changed": (o) => json("settings:changed", { ...o, file: rel(o.file) }),
        "settings:invalid": (o) => json("settings:invalid", { ...o, file: rel(o.file) }),
        "journal:degraded": (o) => json("journal:degraded", o),
        "journal:resumed": (o) => json("journal:resumed", o),
      }
    : {
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
        "handler:exit": (o) =>
          write(style.yellow(`! ${o.reason}; ${o.inFlight > 0 ? "the invocation in it failed; " : ""}a fresh handler process takes its place`)),
        "handler:output": (o) => {
          if (!isRuntimeOutcome(o.line)) write(`${style.dim("│")} ${printableLines(o.line)}`);
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
  // Each entry is typed against its own event above; the loop only pairs names with listeners.
  const listeners = Object.entries(handlers) as Array<["ready", (...args: DevWorkerEvents["ready"]) => void]>;
  for (const [event, handler] of listeners) worker.on(event, handler);
  return () => {
    for (const [event, handler] of listeners) worker.off(event, handler);
    handledLine.end();
    flush();
  };
}

/**
 * Print up to HANDLED_LINES_PER_SECOND lines a second (`line` is only called for
 * those); count the others by type, and when their second ends, print `summary`.
 */
function summedUnderLoad(write: (line: string) => void, summary: (count: number, byType: Map<string, number>) => string) {
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
    if (++shown <= HANDLED_LINES_PER_SECOND) return write(line());
    if (skipped++ === 0) timer = setTimeout(endWindow, windowEnds - now).unref();
    byType.set(type, (byType.get(type) ?? 0) + 1);
  };
  return Object.assign(show, { end: endWindow });
}

function banner(worker: DevWorker, options: ConsoleOptions): string[] {
  const { style } = options;
  const s = worker.settings;
  const stats = worker.stats();
  const rel = path.relative(options.projectDir, worker.entry);
  const restored = worker.replay.messages;
  const handler = worker.handler;
  const lines = [
    `${style.bold("letsgo-worker dev")}  ${style.cyan(worker.url)}`,
    `  dashboard ${style.cyan(`${worker.url}/`)} ${style.dim("(messages and their attempts, DLQ, replay, send, schedule, Stripe)")}`,
    ...(worker.settingsWarning ?? "").split("\n").filter(Boolean).map((line, i) => style.yellow(i === 0 ? `  settings  ${line}` : `            ${line.trim()}`)),
    `  handler   ${rel} ${handler.loaded ? style.dim(`(loaded in ${handler.loadMs} ms)`) : style.red("(failed to load)")}` +
      (path.basename(worker.entry) === "server.ts" ? style.dim(" → handler of index.ts") : ""),
    ...(handler.loaded || !handler.error ? [] : loadErrorSummary(handler.error).map((line) => style.red(`            ${line}`))),
    `  queue     visibility ${s.LETSGO_WORKER_VISIBILITY_TIMEOUT} s · ${s.LETSGO_WORKER_MAX_RECEIVE_COUNT} receives then DLQ · max message ${s.LETSGO_WORKER_MAX_MESSAGE_SIZE} bytes`,
    ...retryLines(worker, style),
    `  mapping   batch ${s.LETSGO_WORKER_BATCH_SIZE} · window ${s.LETSGO_WORKER_BATCHING_WINDOW} s · concurrency ${s.LETSGO_WORKER_CONCURRENCY} · timeout ${s.LETSGO_WORKER_FUNCTION_TIMEOUT} s` +
      style.dim(" · one handler process per running batch, as Lambda"),
    `  schedule  ${scheduleLine(worker)}`,
    `  stripe    POST /stripe ${
      s.STRIPE_WEBHOOK_SECRET
        ? style.dim("(verifies with STRIPE_WEBHOOK_SECRET)")
        : style.yellow("(STRIPE_WEBHOOK_SECRET is not set: verifies with a local secret, for `letsgo-worker stripe trigger`; for `stripe listen`, set it to the whsec_... it prints)")
    }`,
    `  slack     ${s.SLACK_WEBHOOK_URL ? "notifySlack posts to SLACK_WEBHOOK_URL" : style.dim("off: SLACK_WEBHOOK_URL is empty, so notifySlack skips (one debug line)")}`,
    ...lambdaWorldLines(worker, style),
    ...payloadLines(worker, style, (file) => path.relative(options.projectDir, file)),
    `  state     ${path.relative(options.projectDir, path.join(path.dirname(path.dirname(worker.entry)), ".letsgo"))}` +
      (restored > 0
        ? ` · restored ${restored}: ${stats.visible + stats.delayed} waiting, ${stats.inFlight} in flight (back after the visibility timeout${stats.inFlight > 0 ? "; now: letsgo-worker retry --all" : ""}), ${stats.dead} in the DLQ`
        : " · empty"),
    ...(worker.historyDamage
      ? [style.yellow(`  history   ${worker.historyDamage.lines} damaged line${worker.historyDamage.lines === 1 ? "" : "s"} of history.json left out (checksum or shape)${worker.historyDamage.setAside ? `; the file as it was: ${path.relative(options.projectDir, worker.historyDamage.setAside)}` : ""}`)]
      : []),
    ...(worker.leftoverProcesses > 0
      ? [style.yellow(`  processes ended ${worker.leftoverProcesses} that an earlier dev's handlers had started and that outlived it (it was killed)`)]
      : []),
    ...recoveryLines(worker.replay, (file) => path.relative(options.projectDir, file)).map((line) => (line.level === "warn" ? style.yellow : style.dim)(`  journal   ${line.text}`)),
    `  reload    ${options.watching ? "on save of a file the handler loads (outside node_modules) · apps/worker/.env applied live" : "off (--no-watch)"}`,
  ];
  if (!handler.loaded) {
    lines.push(style.red(`  messages wait until the handler loads (tried again with backoff${options.watching ? ", and at once when you save a file" : ""})`));
  }
  // A type the project declares, at the port this worker took: the example works as printed.
  const example = worker.exampleMessage;
  lines.push(
    style.dim(`Send a message:  letsgo-worker enqueue --type ${example.type} --payload '${JSON.stringify(example.payload)}'   or   curl -d '${JSON.stringify(example)}' ${worker.url}`),
  );
  return lines;
}

/** Which payloads are checked against the project's types, and what in them cannot be sent. */
function payloadLines(worker: DevWorker, style: ConsoleOptions["style"], rel: (file: string) => string): string[] {
  const { file, checked, warnings } = worker.payloadTypes;
  const lines = [
    checked.length > 0
      ? `  payloads  checked against ${rel(file)} at POST / and before each handler: ${checked.join(", ")}`
      : style.dim(`  payloads  not checked: ${rel(file)} declares no message interface ({ type: MessageType.X; payload: ... })`),
  ];
  for (const warning of warnings) lines.push(style.yellow(`  payloads  ${warning}`));
  return lines;
}

/** The handler's environment, and where this machine or the user's choice makes it differ from Lambda's. */
function lambdaWorldLines(worker: DevWorker, style: ConsoleOptions["style"]): string[] {
  const world = worker.lambdaWorld;
  const credentials = world.awsCredentials
    ? style.yellow("your AWS credentials (--aws-credentials), where the function would have its role's")
    : "no AWS credentials, as a function has only its role's (--aws-credentials passes yours)";
  const lines = [`  env       as Lambda's: its variables (TZ=:UTC, AWS_LAMBDA_*, AWS_REGION...) and apps/worker/.env, none of your shell's; heap sized from the memory setting · ${credentials}`];
  if (world.passEnv.length > 0) lines.push(style.yellow(`  env       from your shell too (--pass-env): ${world.passEnv.join(", ")}, which a deployed function would not have`));
  lines.push(
    world.atLeastOnce
      ? style.yellow(`  delivery  as SQS may: ${Math.round(world.atLeastOnce.duplicateShare * 100)}% of handled messages delivered once more, batches in shuffled order (--at-least-once)`)
      : style.dim("  delivery  in order, once; SQS delivers at least once, in any order: --at-least-once shows how your handlers cope"),
  );
  if (world.reservedEnvKeys.length > 0) {
    lines.push(style.yellow(`  env       apps/worker/.env sets ${world.reservedEnvKeys.join(", ")}, which Lambda reserves: left out, as deploy leaves them out`));
  }
  if (world.localNodeMajor !== world.deployedNodeMajor) {
    lines.push(
      style.yellow(`  node      this is Node ${world.localNodeMajor}; the deployed function runs Node ${world.deployedNodeMajor} (its base image): run dev on Node ${world.deployedNodeMajor} to match`),
    );
  }
  return lines;
}

/** 12,345: without toLocaleString, which maps ICU's locale data into dev's memory. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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

/** What the retry settings mean in time, here and in AWS; the dev-only values, if any, against the deployed ones. */
function retryLines(worker: DevWorker, style: ConsoleOptions["style"]): string[] {
  const here = retrySettingsOf(worker.settings);
  if (worker.devOnly.length === 0) return [`  retries   ${retriesInWords(here)} ${style.dim(`(in AWS ${awsRetriesInWords(here)})`)}`];
  const deployed = { ...worker.settings };
  for (const d of worker.devOnly) Object.assign(deployed, { [d.key]: d.deployed });
  return [
    `  retries   ${retriesInWords(here)}`,
    `  dev only  ${worker.devOnly.map((d) => `${d.devKey}=${d.value}`).join(", ")} ` +
      style.dim(`(deploy keeps ${worker.devOnly.map((d) => d.deployed).join(", ")}: in AWS a failing message reaches the DLQ after ${awsRetriesInWords(retrySettingsOf(deployed))})`),
  ];
}

function scheduleLine(worker: DevWorker): string {
  const { state, expression, timezone, next } = worker.schedule;
  if (state === "none") return "none (LETSGO_WORKER_SCHEDULE is empty) · POST /schedule or `letsgo-worker schedule run` fires it now";
  if (state === "off") return "off (--no-schedule) · POST /schedule or `letsgo-worker schedule run` fires it now";
  return `${expression} (${timezone}) · ${next ? `next ${next.toISOString()}` : "will not fire again"}`;
}
