import type { Command } from "commander";
import { defaultSettings } from "../project/settings.js";
import { info, print, printJson, style, warn } from "./output.js";

interface InitFlags {
  yes?: boolean;
  force?: boolean;
  deployment?: string;
  region?: string;
  schedule?: string;
  timezone?: string;
  keys: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const defaults = defaultSettings();
  program
    .command("init")
    .argument("[dir]", "project directory (created if missing)", ".")
    .description(
      "Scaffold the worker into a project: apps/worker (Lambda handler, message handlers, Stripe and scheduled handlers, settings) and packages/types (@letsgo/types). Asks for the deployment name, region and schedule on a terminal.",
    )
    .option("-y, --yes", "take the defaults instead of asking")
    .option("--force", "replace files that already exist (lists the ones replaced)")
    .option("--deployment <name>", `deployment name (default "${defaults.LETSGO_DEPLOYMENT}")`)
    .option("--region <region>", `AWS region (default "${defaults.LETSGO_WORKER_REGION}")`)
    .option("--schedule <expression>", `schedule, EventBridge syntax; "" disables (default "${defaults.LETSGO_WORKER_SCHEDULE}")`)
    .option("--timezone <zone>", `IANA time zone of the schedule (default "${defaults.LETSGO_WORKER_SCHEDULE_TIMEZONE}")`)
    .option("--no-keys", "do not generate the access-token key pair")
    .option("--json", "print what was written as JSON")
    .action(async (dir: string, flags: InitFlags) => {
      const answers = await ask(flags);
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

async function ask(flags: InitFlags): Promise<{ deployment: string; region: string; schedule: string; timezone: string }> {
  const defaults = defaultSettings();
  const values = {
    deployment: flags.deployment ?? defaults.LETSGO_DEPLOYMENT,
    region: flags.region ?? defaults.LETSGO_WORKER_REGION,
    schedule: flags.schedule ?? defaults.LETSGO_WORKER_SCHEDULE,
    timezone: flags.timezone ?? defaults.LETSGO_WORKER_SCHEDULE_TIMEZONE,
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
    flags.region === undefined && { type: "text" as const, name: "region", message: "AWS region", initial: values.region },
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
