import type { Command } from "commander";
import { print, printJson, readStdin } from "./output.js";

interface ReplayFlags {
  cwd: string;
  payload?: string;
  url?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("replay")
    .argument("<message-id>", "the message's id, or its first 8 characters (from the dashboard, the console or `dlq list`)")
    .description(
      "Send a message from the dev worker's history again, as it was or with another payload, and print the new message's id. " +
        "The copy is a new message, checked against the project's types like any other; its story in the dashboard links back to the original. " +
        "The history keeps the newest 10,000 messages of the last 7 days.",
    )
    .option("--payload <json>", "replace the payload: inline JSON, @file.json, or - for stdin")
    .option("--cwd <dir>", "project directory", ".")
    .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from the environment or apps/worker/.env)")
    .option("--json", "print {messageId, from} as JSON")
    .action(async (id: string, flags: ReplayFlags) => {
      const { replayMessage } = await import("../commands/replay.js");
      const result = await replayMessage({ cwd: flags.cwd, id, payload: flags.payload, url: flags.url, baseDir: process.cwd(), readStdin });
      if (flags.json) printJson({ messageId: result.messageId, from: result.from });
      else print(result.messageId);
    });
}
