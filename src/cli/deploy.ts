import type { Command } from "commander";
import type { QueueAddress } from "../aws/deploy.js";
import { LetsgoError, UsageError } from "../errors.js";
import { addAwsOptions, awsOptions, canAskOnTerminal, confirmOnTerminal, type AwsFlags } from "./awsOptions.js";
import { info, print, printJson, style, warn } from "./output.js";
import { addVerifyOptions, checkVerifyFlags, verifyStep, type VerifyFlags } from "./verifyOptions.js";

/** What the app needs to send work: a result (stdout); where to get its IAM policy is advice (stderr). */
function printQueueAddress(queue: QueueAddress, planned: boolean): void {
  const who = planned ? "Once deployed, your app sends" : "Your app sends";
  print(`${who} messages with LETSGO_WORKER_QUEUE_URL=${queue.url} (queue ARN ${queue.arn}).`);
  info(style.dim("`letsgo-worker status --sender-policy` prints the IAM policy your app's role needs."));
}

interface DeployFlags extends AwsFlags, VerifyFlags {
  yes?: boolean;
  dryRun?: boolean;
  image?: string;
  skipArchitectureCheck?: boolean;
  baseImage?: string;
  platform?: string;
  json?: boolean;
  typecheck: boolean;
}

export function register(program: Command): void {
  addVerifyOptions(
    addAwsOptions(
      program
        .command("deploy")
        .description(
          "Create or update the worker on AWS: ECR repository and image, IAM roles, SQS queue and " +
            "dead-letter queue, Lambda function, event source mapping and schedule. Shows the plan " +
            "first; with nothing changed it makes no change. Uses the AWS SDK's default credentials.",
        )
        .option("-y, --yes", "apply without asking")
        .option("--dry-run", "print the plan (create / update with the changed fields / unchanged) and change nothing")
        .option(
          "--image <uri>",
          "deploy this image instead of building and pushing one: <registry>/<repository>:<tag> or @sha256:<digest> in the account's " +
            "ECR registry (or LETSGO_WORKER_REGISTRY), built for the function's architecture (LETSGO_WORKER_ARCHITECTURE)",
        )
        .option("--skip-architecture-check", "with --image: do not read the image's architecture (when neither the registry nor the local engine can tell)")
        .option("--base-image <ref>", "base image of the build (default public.ecr.aws/lambda/nodejs:22)")
        .option("--platform <platform>", "platform of the build, linux/arm64 or linux/amd64: the default, LETSGO_WORKER_ARCHITECTURE's, is the only one the function runs")
        .option("--no-typecheck", "build the image without type-checking apps/worker first (the plan says so; by default type errors refuse the deploy)")
        .option("--json", "print the plan and the outcome as JSON"),
    ),
    "After the deploy (or with nothing to change)",
  ).action(async (flags: DeployFlags) => {
    checkVerifyFlags(flags);
    if (flags.verify && flags.dryRun) throw new UsageError("--verify probes the deployed function: it cannot follow --dry-run, which changes nothing.");
    const { prepareDeploy } = await import("../aws/deploy.js");
    const { formatPlan, planToJson, isUpToDate, pendingSteps } = await import("../aws/plan.js");
    const { parsePlatform } = await import("../image/platform.js");
    const prepared = await prepareDeploy({
      ...awsOptions(flags),
      image: flags.image,
      skipArchitectureCheck: flags.skipArchitectureCheck,
      baseImage: flags.baseImage,
      platform: flags.platform === undefined ? undefined : parsePlatform(flags.platform),
      planOnly: flags.dryRun,
      typecheck: flags.typecheck,
      onProgress: (event) => {
        if (event.kind !== "step") return info(style.dim(event.message));
        const label = `${event.resource} ${event.name}`;
        if (event.status === "start") info(`${style.cyan("→")} ${label}: ${event.message}`);
        else if (event.status === "done") info(`${style.green("✓")} ${label}: ${event.message}`);
        else info(`${style.red("✗")} ${label}: ${event.message}`);
      },
    });
    try {
      const { plan } = prepared;
      for (const warning of plan.warnings) warn(warning);
      if (flags.dryRun) {
        // The queue may not exist yet: show its address as deploy names it.
        if (flags.json) return printJson({ dryRun: true, ...planToJson(plan), queue: prepared.plannedQueue });
        for (const line of formatPlan(plan)) print(line);
        printQueueAddress(prepared.plannedQueue, true);
        return;
      }
      if (isUpToDate(plan)) {
        const queue = await prepared.queue();
        if (!flags.json) {
          print(`Deployment "${plan.deployment}" in ${plan.region} is up to date: nothing to change.`);
          printQueueAddress(queue, false);
        }
        const verified = flags.verify ? await verifyStep(flags, Boolean(flags.json)) : undefined;
        if (flags.json) printJson({ ...planToJson(plan), applied: [], queue, ...verified?.json });
        return verified?.rethrow();
      }
      // The plan here is what is about to happen, not the result: it goes to stderr (stdout is for the outcome).
      const lines = formatPlan(plan);
      if (!flags.yes) {
        const pending = pendingSteps(plan).length;
        if (!canAskOnTerminal()) {
          throw new UsageError(
            `No terminal to ask on, and ${pending} step${pending === 1 ? "" : "s"} would change AWS: ` +
              "run with --dry-run to see the plan, then with --yes to apply it.",
          );
        }
        for (const line of lines) info(line);
        if (!(await confirmOnTerminal("Apply these changes?", "--yes"))) {
          throw new LetsgoError("Deploy cancelled: nothing was changed.");
        }
      } else if (!flags.json) {
        for (const line of lines) info(line);
      }
      const result = await prepared.apply();
      const queue = await prepared.queue();
      if (!flags.json) {
        print(`Deployed "${plan.deployment}" to ${plan.region}: ${result.applied.length} step${result.applied.length === 1 ? "" : "s"} applied, image ${result.imageUri}.`);
        printQueueAddress(queue, false);
      }
      const verified = flags.verify ? await verifyStep(flags, Boolean(flags.json)) : undefined;
      if (flags.json) printJson({ ...planToJson(plan), applied: result.applied, queue, ...verified?.json });
      verified?.rethrow();
    } finally {
      prepared.close();
    }
  });
}
