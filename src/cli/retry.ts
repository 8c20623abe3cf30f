import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { printable } from "../dev/console/printable.js";
import { print, printJson, style } from "./output.js";
import type { RetryingView } from "../commands/retry.js";
import { spokenDuration } from "../dev/queue/retryTiming.js";

interface RetryFlags {
  cwd: string;
  url?: string;
  all?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("retry")
    .argument("[message-id...]", "ids of waiting messages, or their first 8 characters (from the console, the dashboard or `retry` alone)")
    .description(
      "Dev only: try a failing message again now instead of after its visibility timeout. Without an id, lists the messages waiting for " +
        "their next attempt: when it comes, and when each would reach the DLQ if it keeps failing. An attempt counts as in SQS: " +
        "the message still goes to the DLQ after LETSGO_WORKER_MAX_RECEIVE_COUNT receives. (A deployed queue has no such command: " +
        "only the worker that received a message can make it visible early.)",
    )
    .option("--all", "retry every waiting message now (after a dev restart, the ones whose attempt it cut short)")
    .option("--cwd <dir>", "project directory", ".")
    .option("--url <url>", "dev worker URL (default: the project's running dev worker, else LETSGO_LOCAL_QUEUE_URL)")
    .option("--json", "print JSON: the waiting messages, or {retried: [ids]}")
    .action(async (ids: string[], flags: RetryFlags) => {
      if (flags.all && ids.length > 0) throw new UsageError("Give message ids or --all, not both.");
      const [{ devWorkerUrl }, core] = await Promise.all([import("../commands/targets.js"), import("../commands/retry.js")]);
      const url = await devWorkerUrl(flags.cwd, flags.url);
      if (!flags.all && ids.length === 0) {
        const waiting = await core.listWaiting(url);
        return flags.json ? printJson(waiting) : printWaiting(waiting);
      }
      const retried = flags.all ? await core.retryAll(url) : [];
      for (const id of ids) retried.push(await core.retryNow(url, id));
      if (flags.json) return printJson({ retried });
      if (retried.length === 0) return print("No message is waiting for a next attempt.");
      for (const id of retried) print(`${id}  ${style.dim("visible now: its next attempt starts at once")}`);
    });
}

/** One block per waiting message, soonest first; shared with `dlq list`. */
export function printWaiting(waiting: RetryingView[], emptyText = "No message is waiting for a next attempt."): void {
  if (waiting.length === 0) return print(emptyText);
  for (const m of waiting) waitingLines(m).forEach((line) => print(line));
  print(style.dim(`${waiting.length} waiting. Try one now: letsgo-worker retry <id> (dev only), or all: letsgo-worker retry --all`));
}

export function waitingLines(m: RetryingView): string[] {
  const next = Date.parse(m.nextAttemptAt);
  const inTime = (at: number) => (at <= Date.now() ? "now" : `in ${spokenDuration(at - Date.now())}`);
  const attempt = m.attempts < m.maxAttempts ? `attempt ${m.attempts + 1}/${m.maxAttempts} ${inTime(next)} (${m.nextAttemptAt})` : `to the DLQ ${inTime(next)}: no attempt left`;
  return [
    `${style.bold(m.messageId)}  ${printable(m.type)}  ${attempt}`,
    ...(m.attempts < m.maxAttempts ? [style.dim(`  DLQ by ${m.deadLetterAt} if it keeps failing`)] : []),
    `  error: ${style.red(printable(m.lastError ?? "none recorded (its attempt was cut short by a dev restart)"))}`,
  ];
}
