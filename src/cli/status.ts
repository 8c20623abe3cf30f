import type { Command } from "commander";
import { addAwsOptions, awsOptions, type AwsFlags } from "./awsOptions.js";
import { info, print, printJson, style } from "./output.js";
import { addVerifyOptions, checkVerifyFlags, verifyStep, type VerifyFlags } from "./verifyOptions.js";

const SENDER_POLICY_HELP = `
Sending from your app:
  Your app puts work on the queue with the URL in LETSGO_WORKER_QUEUE_URL (status and
  deploy print it). Its IAM role needs only sqs:SendMessage on this queue (that also covers
  SendMessageBatch; the queue uses SQS-managed encryption, so no KMS permission is needed).
  --sender-policy prints that policy and nothing else on stdout; it needs only your AWS
  identity, so it works before the first deploy. For example:
    aws iam put-role-policy --role-name <your-app-role> --policy-name letsgo-worker-send \\
      --policy-document "$(letsgo-worker status --sender-policy)"`;

export function register(program: Command): void {
  addVerifyOptions(
    addAwsOptions(
      program
        .command("status")
        .description(
          "Show the deployed worker: each resource and its settings, the queue URL and ARN your app sends to, " +
            "queue and DLQ depth, the schedule and its next fire time, the image the function runs.",
        )
        .option("--json", "print the status as JSON")
        .option("--sender-policy", "print only the IAM policy (JSON) your app's role needs to send messages to the queue")
        .addHelpText("after", SENDER_POLICY_HELP),
    ),
    "After the status",
  ).action(async (flags: AwsFlags & VerifyFlags & { json?: boolean; senderPolicy?: boolean }) => {
    checkVerifyFlags(flags);
    if (flags.senderPolicy) {
      const { getSenderPolicy } = await import("../aws/status.js");
      const result = await getSenderPolicy(awsOptions(flags));
      const { name, region, account } = result.queue;
      if (result.exists === false) {
        info(`note: the queue ${name} does not exist yet in ${region} (account ${account}); the policy names the ARN \`letsgo-worker deploy\` gives it.`);
      } else if (result.exists === undefined) {
        info(`note: could not check that the queue ${name} exists in ${region} (${result.checkFailed}); the policy names the ARN deploy gives it.`);
      }
      return printJson(result.policy);
    }
    const { getStatus } = await import("../aws/status.js");
    const status = await getStatus(awsOptions(flags));
    if (flags.json) {
      const verified = flags.verify ? await verifyStep(flags, true) : undefined;
      printJson({ ...status, ...verified?.json });
      return verified?.rethrow();
    }
    print(`Deployment "${status.deployment}" in ${status.region} (account ${status.account})`);
    const width = Math.max(...status.resources.map((r) => r.resource.length));
    for (const r of status.resources) {
      const state = r.present ? style.green(r.state || "present") : style.yellow(r.state ?? "missing");
      const details = Object.entries(r.details)
        .filter(([, value]) => value !== "")
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      print(`  ${r.resource.padEnd(width)}  ${r.name}  ${state}${details ? `  ${style.dim(details)}` : ""}`);
    }
    if (status.queue) {
      print(`Queue: ${status.queue.depth} waiting, ${status.queue.inFlight} in flight, ${status.queue.delayed} delayed`);
      print(`App sends to: LETSGO_WORKER_QUEUE_URL=${status.queue.url}`);
      print(`  queue ARN ${status.queue.arn} ${style.dim("(IAM policy for the app's role: letsgo-worker status --sender-policy)")}`);
    }
    if (status.deadLetterQueue) print(`Dead-letter queue: ${status.deadLetterQueue.depth} message${status.deadLetterQueue.depth === 1 ? "" : "s"}`);
    if (status.schedule) {
      print(`Schedule: ${status.schedule.expression} (${status.schedule.timezone}), ${status.schedule.state ?? ""}, next ${status.schedule.nextFire ?? "unknown"}`);
    } else {
      print("Schedule: none");
    }
    print(`Image: ${status.image ?? "none deployed"}`);
    if (flags.verify) await verifyStep(flags, false);
  });
}
