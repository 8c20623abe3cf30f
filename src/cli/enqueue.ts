import type { Command } from "commander";
import { addAwsOptions, awsOptions, type AwsFlags } from "./deploy.js";
import { info, print, printJson, style, warn } from "./output.js";

interface EnqueueFlags extends AwsFlags {
  type?: string;
  payload?: string;
  delay?: string;
  url?: string;
  aws?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  addAwsOptions(
    program
      .command("enqueue")
      .description(
        "Send a message {type, payload} and print its id: to the local dev worker, or with --aws to the deployed SQS queue " +
          "(found by name from LETSGO_DEPLOYMENT; AWS credentials and region from the SDK's default chain, --profile, --region; AWS_ENDPOINT_URL is honoured).",
      )
      .option("--type <type>", "message type (a MessageType value, e.g. OrderNew)")
      .option("--payload <json>", "payload: inline JSON, @file.json, or - for stdin", "{}")
      .option("--delay <seconds>", "delay delivery by 0-900 seconds")
      .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from apps/worker/.env)")
      .option("--aws", "send to the deployed SQS queue instead of the dev worker (with --region, --profile, --deployment)")
      .option("--json", "print {messageId, target} as JSON"),
  ).action(async (flags: EnqueueFlags) => {
    const client = await import("../dev/client.js");
    client.checkTargetFlags(flags);
    const sender = flags.aws ? client.awsQueueSender(awsOptions(flags)) : client.devWorkerSender(await client.devWorkerUrl(flags.cwd, flags.url));
    const result = await client.enqueueMessage({
      projectDir: flags.cwd,
      type: flags.type,
      payload: flags.payload,
      delaySeconds: flags.delay,
      baseDir: process.cwd(),
      readStdin,
      sender,
    });
    for (const warning of result.warnings) warn(warning);
    if (flags.aws) info(style.dim(`Sent to ${result.target}${flags.delay && flags.delay !== "0" ? `, visible in ${flags.delay} s` : ""}.`));
    if (flags.json) printJson({ messageId: result.messageId, target: result.target });
    else print(result.messageId);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
