import type { Command } from "commander";
import { print, printJson, style } from "./output.js";

interface DlqFlags {
  cwd: string;
  url?: string;
  json?: boolean;
  id?: string;
}

export function register(program: Command): void {
  const dlq = program.command("dlq").description("Look at and act on the dev worker's dead-letter queue.");
  const common = (command: Command) =>
    command
      .option("--cwd <dir>", "project directory", ".")
      .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from apps/worker/.env)")
      .option("--json", "print JSON");

  common(dlq.command("list").description("List dead messages with their type, receive count and last error.")).action(async (flags: DlqFlags) => {
    const { devWorkerUrl, listDeadMessages } = await import("../dev/client.js");
    const messages = await listDeadMessages(await devWorkerUrl(flags.cwd, flags.url));
    if (flags.json) return printJson(messages);
    if (messages.length === 0) return print("The dead-letter queue is empty.");
    for (const m of messages) {
      print(`${style.bold(m.messageId)}  ${m.type}  ${style.dim(`${m.receiveCount} receives, dead since ${m.deadAt ?? "?"}`)}`);
      print(`  error: ${style.red(m.lastError ?? "none recorded")}`);
      print(`  body:  ${m.body.length > 200 ? `${m.body.slice(0, 200)}…` : m.body}`);
    }
    print(style.dim(`${messages.length} message${messages.length === 1 ? "" : "s"}. Move them back with: letsgo-worker dlq redrive [--id ID]`));
  });

  common(dlq.command("redrive").description("Move dead messages (all, or --id) back to the queue with a fresh receive count."))
    .option("--id <messageId>", "only this message")
    .action(async (flags: DlqFlags) => {
      const { devWorkerUrl, redriveDeadMessages } = await import("../dev/client.js");
      const redriven = await redriveDeadMessages(await devWorkerUrl(flags.cwd, flags.url), flags.id);
      if (flags.json) return printJson({ redriven });
      print(`Moved ${redriven} message${redriven === 1 ? "" : "s"} back to the queue.`);
    });

  common(dlq.command("purge").description("Delete every dead message.")).action(async (flags: DlqFlags) => {
    const { devWorkerUrl, purgeDeadMessages } = await import("../dev/client.js");
    const purged = await purgeDeadMessages(await devWorkerUrl(flags.cwd, flags.url));
    if (flags.json) return printJson({ purged });
    print(`Deleted ${purged} dead message${purged === 1 ? "" : "s"}.`);
  });
}
