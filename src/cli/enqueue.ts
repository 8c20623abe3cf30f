import type { Command } from "commander";
import { print, printJson, warn } from "./output.js";

interface EnqueueFlags {
  cwd: string;
  type?: string;
  payload?: string;
  delay?: string;
  url?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("enqueue")
    .description("Send a message to the local dev worker and print its id.")
    .option("--type <type>", "message type (a MessageType value, e.g. OrderNew)")
    .option("--payload <json>", "payload: inline JSON, @file.json, or - for stdin", "{}")
    .option("--delay <seconds>", "delay delivery by 0-900 seconds")
    .option("--cwd <dir>", "project directory", ".")
    .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from apps/worker/.env)")
    .option("--json", "print {messageId, target} as JSON")
    .action(async (flags: EnqueueFlags) => {
      const { devWorkerSender, devWorkerUrl, enqueueMessage } = await import("../dev/client.js");
      const sender = devWorkerSender(await devWorkerUrl(flags.cwd, flags.url));
      const result = await enqueueMessage({
        projectDir: flags.cwd,
        type: flags.type,
        payload: flags.payload,
        delaySeconds: flags.delay,
        baseDir: process.cwd(),
        readStdin,
        sender,
      });
      for (const warning of result.warnings) warn(warning);
      if (flags.json) printJson({ messageId: result.messageId, target: result.target });
      else print(result.messageId);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
