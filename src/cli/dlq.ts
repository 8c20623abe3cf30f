import type { Command } from "commander";
import { LetsgoError } from "../errors.js";
import type { DeadLetterListing, DeadLetterQueue } from "../commands/deadLetters.js";
import { addAwsOptions, awsOptions, confirmOnTerminal, type AwsFlags } from "./awsOptions.js";
import { printable } from "../dev/console/printable.js";
import { userFrames } from "../dev/pool/stackFrames.js";
import { print, printJson, style } from "./output.js";
import { waitingLines } from "./retry.js";
import type { RetryingView } from "../dev/http/devApi.js";

interface DlqFlags extends AwsFlags {
  url?: string;
  aws?: boolean;
  json?: boolean;
  id?: string;
  yes?: boolean;
}

/** The dev worker's DLQ, or the deployed one with --aws; flags for the other target are refused. */
async function deadLetterQueue(flags: DlqFlags): Promise<DeadLetterQueue> {
  const [{ awsDlq, devWorkerDlq }, { checkTargetFlags, devWorkerUrl }] = await Promise.all([import("../commands/deadLetters.js"), import("../commands/targets.js")]);
  checkTargetFlags(flags);
  return flags.aws ? awsDlq(awsOptions(flags)) : devWorkerDlq(await devWorkerUrl(flags.cwd, flags.url));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function register(program: Command): void {
  const dlq = program
    .command("dlq")
    .description(
      "Look at and act on the dead-letter queue: the dev worker's, or with --aws the deployed one " +
        "(AWS credentials and region from the SDK's default chain, --profile, --region; AWS_ENDPOINT_URL is honoured).",
    );
  const common = (command: Command) =>
    addAwsOptions(command)
      .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL from apps/worker/.env)")
      .option("--aws", "the deployed SQS dead-letter queue instead of the dev worker's (with --region, --profile, --deployment)")
      .option("--json", "print JSON");

  common(dlq.command("list").description("List dead messages with their type, receive count and (dev worker) last error.")).action(async (flags: DlqFlags) => {
    const listing = await (await deadLetterQueue(flags)).list();
    if (flags.json) return printJson(listing.messages);
    if (flags.aws) return printSqsListing(listing);
    printRetrying(listing.retrying ?? []);
    if (listing.messages.length === 0) return print("The dead-letter queue is empty.");
    for (const m of listing.messages) {
      // What a message carries is printed escaped: a type or body may hold terminal escape sequences.
      print(`${style.bold(printable(m.messageId))}  ${printable(m.type ?? "(no type)")}  ${style.dim(`${m.receiveCount} receives, dead since ${m.deadAt ?? "?"}`)}`);
      print(`  error: ${style.red(printable(m.lastError ?? "none recorded"))}`);
      // Where in your code it failed: the first frames under apps/worker/src or packages/, project-relative.
      for (const frame of m.lastErrorStack ? userFrames(m.lastErrorStack, flags.cwd) : []) print(style.dim(`           ${printable(frame)}`));
      print(`  body:  ${printable(shorten(m.body))}`);
    }
    print(style.dim(`${plural(listing.messages.length, "message")}. Move them back with: letsgo-worker dlq redrive [--id ID]`));
  });

  common(dlq.command("redrive").description("Move dead messages back to the queue: all, or --id (dev worker only); --aws starts an SQS message move task."))
    .option("--id <messageId>", "only this message: its id, or a unique prefix of it such as the 8 characters dev prints (dev worker only)")
    .action(async (flags: DlqFlags) => {
      const result = await (await deadLetterQueue(flags)).redrive(flags.id);
      if (flags.json) return printJson(result);
      if ("redriven" in result) {
        print(`Moved ${plural(result.redriven, "message")} back to the queue, each as a new message (as SQS's redrive does):`);
        for (const { from, messageId } of result.messages) print(`  ${from} → ${messageId}`);
        return;
      }
      print(
        `Started moving about ${plural(result.approximateCount, "message")} from ${result.sourceArn} back to ${result.destinationArn} ` +
          `(SQS message move task ${result.taskHandle}); SQS moves them in the background.`,
      );
    });

  common(dlq.command("purge").description("Delete every dead message. With --aws it asks first on a terminal; without one it needs --yes."))
    .option("-y, --yes", "with --aws: purge without asking")
    .action(async (flags: DlqFlags) => {
      const queue = await deadLetterQueue(flags);
      const result = await queue.purge(
        flags.aws && !flags.yes
          ? (about) =>
              confirmOnTerminal(
                `Delete all ${about.approximateCount} message(s) in ${about.queue} (${about.region}, account ${about.account})? This cannot be undone.`,
                "--yes",
              )
          : undefined,
      );
      if (result.cancelled) throw new LetsgoError("Purge cancelled: nothing was deleted.");
      if (flags.json) return printJson(result);
      if (result.approximate) {
        print(`Purged the dead-letter queue ${result.queueUrl} (about ${plural(result.purged, "message")}; SQS may take up to 60 s to finish).`);
      } else {
        print(`Deleted ${result.purged} dead message${result.purged === 1 ? "" : "s"}.`);
      }
    });
}

/** The messages on their way to the DLQ if they keep failing: when each is tried next, and when it would be dead. */
function printRetrying(retrying: RetryingView[]): void {
  if (retrying.length === 0) return;
  print(style.bold(`Retrying (${retrying.length}), not dead yet:`));
  for (const m of retrying) waitingLines(m).forEach((line) => print(line));
  print(style.dim("Try one now: letsgo-worker retry <id> (dev only)"));
  print("");
}

function shorten(body: string): string {
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}

/** SQS does not record why a message died, and a listing is a sample: say both. */
function printSqsListing(listing: DeadLetterListing): void {
  const total = listing.approximateCount ?? listing.messages.length;
  if (listing.messages.length === 0) {
    return print(total > 0 ? `No message could be read from ${listing.target} (SQS counts about ${total}; they may be in flight).` : `The dead-letter queue ${listing.target} is empty.`);
  }
  for (const m of listing.messages) {
    print(`${style.bold(m.messageId)}  ${m.type !== null ? printable(m.type) : style.yellow("(not a {type, payload} message)")}  ${style.dim(`${m.receiveCount} receives, sent ${m.sentAt ?? "?"}`)}`);
    print(`  body:  ${printable(shorten(m.body))}`);
  }
  const shown = listing.messages.length < total ? `Showing ${listing.messages.length} of about ${total} messages` : plural(listing.messages.length, "message");
  print(style.dim(`${shown} in ${listing.target}. SQS keeps no error: see \`letsgo-worker logs\`. Move them back with: letsgo-worker dlq redrive --aws`));
}
