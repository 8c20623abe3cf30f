import type { Command } from "commander";
import { addAwsOptions, awsOptions, type AwsFlags } from "./awsOptions.js";
import { info, print, printJson, style, readStdin } from "./output.js";

interface EnqueueFlags extends AwsFlags {
  type?: string;
  payload?: string;
  delay?: string;
  attribute?: string[];
  url?: string;
  aws?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  addAwsOptions(
    program
      .command("enqueue")
      .description(
        "Send a message {type, payload} and print its id. Where it goes follows the rule of the app's enqueue(): " +
          "LETSGO_WORKER_QUEUE_URL set → that SQS queue; otherwise the dev worker at LETSGO_LOCAL_QUEUE_URL (default http://localhost:3002). " +
          "--url names a dev worker; --aws finds the deployed queue by name from LETSGO_DEPLOYMENT (AWS credentials and region from the SDK's " +
          "default chain, --profile, --region; AWS_ENDPOINT_URL is honoured). The message is checked as enqueue() checks it before anything is sent; " +
          "transient failures are retried for a few seconds.",
      )
      .option("--type <type>", "message type (a MessageType value, e.g. OrderNew)")
      .option("--payload <json>", "payload: inline JSON, @file.json, or - for stdin", "{}")
      .option("--delay <seconds>", "delay delivery by 0-900 seconds")
      .option(
        "--attribute <name=value>",
        "an SQS message attribute, repeatable: name=value is a String, name:Number=42 a Number (up to 10; the handler's record carries them in messageAttributes)",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from the environment or apps/worker/.env)")
      .option("--aws", "send to the deployed SQS queue found by name (with --region, --profile, --deployment)")
      .option("--json", "print {messageId, target, kind} as JSON"),
  ).action(async (flags: EnqueueFlags) => {
    const [client, { checkTargetFlags }] = await Promise.all([import("../commands/enqueue.js"), import("../commands/targets.js")]);
    checkTargetFlags(flags);
    const target = flags.aws ? { aws: awsOptions(flags) } : flags.url !== undefined ? { url: flags.url } : { fromEnvironment: true as const };
    const queue = await client.cliQueueClient(flags.cwd, target);
    try {
      const result = await client.enqueueMessage({
        projectDir: flags.cwd,
        type: flags.type,
        payload: flags.payload,
        delaySeconds: flags.delay,
        ...(flags.attribute ? { attributes: flags.attribute } : {}),
        baseDir: process.cwd(),
        readStdin,
        client: queue,
      });
      if (result.kind === "sqs") info(style.dim(`Sent to ${result.target}${flags.delay && flags.delay !== "0" ? `, visible in ${flags.delay} s` : ""}.`));
      if (flags.json) printJson({ messageId: result.messageId, target: result.target, kind: result.kind });
      else print(result.messageId);
    } finally {
      queue.close();
    }
  });
}
