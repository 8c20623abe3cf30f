import type { Command } from "commander";
import type { ScaffoldOptions } from "../project/scaffold.js";
import { defaultSettings, QUICK_DEV_RETRIES } from "../project/settings.js";
import { awsRetriesInWords, retriesInWords, retrySettingsOf, spokenDuration, timeToDeadLetter, type RetrySettings } from "../dev/queue/retryTiming.js";
import { UsageError } from "../errors.js";
import { info, print, printJson, style, warn } from "./output.js";

interface InitFlags {
  yes?: boolean;
  force?: boolean;
  deployment?: string;
  region?: string;
  schedule?: string;
  timezone?: string;
  architecture?: string;
  devRetries?: string;
  keys: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const defaults = defaultSettings();
  program
    .command("init")
    .argument("[dir]", "project directory (created if missing)", ".")
    .description(
      "Scaffold the worker into a project: apps/worker (Lambda handler, message handlers, Stripe and scheduled handlers, settings) and packages/types (@letsgo/types). Asks on a terminal for the deployment name, region, schedule, Lambda architecture and how quickly dev retries a failing message.",
    )
    .option("-y, --yes", "take the defaults instead of asking")
    .option("--force", "replace files that already exist (lists the ones replaced)")
    .option("--deployment <name>", `deployment name (default "${defaults.LETSGO_DEPLOYMENT}")`)
    .option("--region <region>", `AWS region (default "${defaults.LETSGO_WORKER_REGION}")`)
    .option("--schedule <expression>", `schedule, EventBridge syntax; "" disables (default "${defaults.LETSGO_WORKER_SCHEDULE}")`)
    .option("--timezone <zone>", `IANA time zone of the schedule (default "${defaults.LETSGO_WORKER_SCHEDULE_TIMEZONE}")`)
    .option("--architecture <arch>", `Lambda architecture, arm64 or x86_64 (default: this machine's, ${hostArchitecture()}, so the image builds without emulation; arm64 costs about 20% less per GB-second in Lambda)`)
    .option(
      "--dev-retries <choice>",
      `"quick" (default): dev retries a failing message ${retryChoices().quickShort}; "deployed": dev uses deploy's values (${retryChoices().deployedShort}). Deploy's values stay as they are`,
    )
    .option("--no-keys", "do not generate the access-token key pair")
    .option("--json", "print what was written as JSON")
    .action(async (dir: string, flags: InitFlags) => {
      const answers = await ask(flags);
      await warnUnknownRegion(answers.region);
      const { scaffoldProject } = await import("../project/scaffold.js");
      const result = await scaffoldProject({ dir, ...answers, force: flags.force });
      let jwks: object | undefined;
      if (result.envCreated && flags.keys) {
        const { generateKeysIntoEnv } = await import("../project/keys.js");
        jwks = (await generateKeysIntoEnv(result.projectDir)).publicJwks;
      }
      if (flags.json) return printJson({ ...result, jwks });

      for (const file of result.created) info(`${style.green("created")}   ${file}`);
      for (const file of result.replaced) info(`${style.yellow("replaced")}  ${file}`);
      for (const file of result.amended) info(`${style.cyan("amended")}   ${file}`);
      if (result.kept.length > 0) {
        info(`${style.dim("kept")}      ${result.kept.length} existing file(s)${flags.force ? " (unchanged)" : "; pass --force to replace them"}`);
      }
      if (jwks) {
        info("Generated the access-token key pair (private key in apps/worker/.env). Your API must trust this public JWKS:");
        print(JSON.stringify(jwks));
      }
      const cd = dir === "." ? "" : `cd ${dir} && `;
      print("");
      print(style.bold("Next:"));
      print(`  ${cd}npm install`);
      print(`  npx letsgo-worker add-message OrderNew --field orderId:string`);
      print(`  npx letsgo-worker dev`);
      print(`  npx letsgo-worker enqueue --type OrderNew --payload '{"orderId":"o_1"}'`);
    });
}

/** What each --dev-retries choice means in time, from the settings' defaults (init writes them). */
function retryChoices(): { quick: string; deployed: string; aws: string; quickShort: string; deployedShort: string } {
  const deployed = defaultSettings();
  const quick = { ...deployed, ...QUICK_DEV_RETRIES } as typeof deployed;
  const short = (settings: RetrySettings) => `after ${spokenDuration(settings.visibilityTimeoutMs)}, DLQ after ~${spokenDuration(timeToDeadLetter(settings, "dev"))}`;
  return {
    quickShort: short(retrySettingsOf(quick)),
    deployedShort: short(retrySettingsOf(deployed)),
    quick: `${retriesInWords(retrySettingsOf(quick))}; dev's handler time limit is ${quick.LETSGO_WORKER_FUNCTION_TIMEOUT} s`,
    deployed: retriesInWords(retrySettingsOf(deployed)),
    aws: awsRetriesInWords(retrySettingsOf(deployed)),
  };
}

/** The Lambda architecture of this machine: its images build natively (no emulator, no --platform). */
function hostArchitecture(): "arm64" | "x86_64" {
  return process.arch === "arm64" ? "arm64" : "x86_64";
}

/** What `init` asks (or takes from flags): everything the scaffold needs but where and whether to overwrite. */
type InitAnswers = Omit<ScaffoldOptions, "dir" | "force">;

async function ask(flags: InitFlags): Promise<InitAnswers> {
  const defaults = defaultSettings();
  const { checkRegion } = await import("../aws/region.js");
  // A bad flag fails before the first question.
  if (flags.region !== undefined) checkRegion(flags.region, "--region");
  if (flags.architecture !== undefined && flags.architecture !== "arm64" && flags.architecture !== "x86_64") {
    throw new UsageError(`--architecture must be arm64 or x86_64 (the two Lambda architectures), got "${flags.architecture}".`);
  }
  if (flags.devRetries !== undefined && flags.devRetries !== "quick" && flags.devRetries !== "deployed") {
    throw new UsageError(`--dev-retries must be quick or deployed, got "${flags.devRetries}".`);
  }
  const values: InitAnswers = {
    deployment: flags.deployment ?? defaults.LETSGO_DEPLOYMENT,
    region: flags.region ?? defaults.LETSGO_WORKER_REGION,
    schedule: flags.schedule ?? defaults.LETSGO_WORKER_SCHEDULE,
    timezone: flags.timezone ?? defaults.LETSGO_WORKER_SCHEDULE_TIMEZONE,
    architecture: flags.architecture ?? hostArchitecture(),
    devRetries: (flags.devRetries as InitAnswers["devRetries"] | undefined) ?? "quick",
  };
  if (flags.yes || !process.stdin.isTTY || !process.stdout.isTTY) return values;
  const { default: prompts } = await import("prompts");
  const { checkDeploymentName } = await import("../project/names.js");
  const { parseScheduleSetting } = await import("../schedule/index.js");
  // Ask again on a bad answer instead of failing after the last question.
  const valid = (check: (value: string) => unknown) => (value: string) => {
    try {
      check(value);
      return true;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const questions = [
    flags.deployment === undefined && {
      type: "text" as const,
      name: "deployment",
      message: "Deployment name",
      initial: values.deployment,
      validate: valid(checkDeploymentName),
    },
    flags.region === undefined && { type: "text" as const, name: "region", message: "AWS region", initial: values.region, validate: valid((value) => checkRegion(value, "AWS region")) },
    flags.schedule === undefined && {
      type: "text" as const,
      name: "schedule",
      message: "Schedule (rate(...), cron(...), at(...); empty for none)",
      initial: values.schedule,
      validate: valid((value) => parseScheduleSetting(value, values.timezone)),
    },
    // A time of day means nothing without its zone: asked for cron() and at(), not for rate().
    flags.timezone === undefined && {
      type: (previous: unknown, answers: { schedule?: string }) =>
        /^\s*(cron|at)\(/.test(String(answers.schedule ?? values.schedule)) ? ("text" as const) : null,
      name: "timezone",
      message: "Time zone of the schedule (IANA name, e.g. Europe/Berlin)",
      initial: values.timezone,
      validate: valid((value) => parseScheduleSetting("cron(0 9 * * ? *)", value)),
    },
    flags.architecture === undefined && {
      type: "select" as const,
      name: "architecture",
      message: "Lambda architecture",
      hint: "arm64 costs about 20% less per GB-second; this machine's builds without emulation",
      choices: (["arm64", "x86_64"] as const).map((arch) => ({
        title: arch === hostArchitecture() ? `${arch} (this machine's)` : arch,
        description: arch === "arm64" ? "Graviton: about 20% cheaper per GB-second" : "the usual server and laptop CPU",
        value: arch,
      })),
      initial: hostArchitecture() === "arm64" ? 0 : 1,
    },
    flags.devRetries === undefined && {
      type: "select" as const,
      name: "devRetries",
      message: `Retries in dev (deploy keeps AWS's advised values either way: in the DLQ after ${retryChoices().aws})`,
      choices: [
        { title: "quick", description: retryChoices().quick, value: "quick" },
        { title: "as deployed", description: retryChoices().deployed, value: "deployed" },
      ],
      initial: 0,
    },
  ].filter((q) => q !== false);
  let cancelled = false;
  const answers = await prompts(questions, { onCancel: () => (cancelled = true) });
  if (cancelled) {
    warn("init cancelled; nothing was written.");
    const { LetsgoError } = await import("../errors.js");
    throw new LetsgoError("Cancelled.", { exitCode: 130 });
  }
  return { ...values, ...answers };
}

/** A region with a region's shape that this AWS SDK does not list: kept (it may be newer than the SDK), said. */
async function warnUnknownRegion(region: string): Promise<void> {
  const { checkRegion } = await import("../aws/region.js");
  if (!checkRegion(region, "--region").known) warn(`${region} is not among the regions this AWS SDK knows; kept, in case it is newer. deploy will tell if AWS does not know it.`);
}
