import type { Command } from "commander";
import { LetsgoError, UsageError } from "../errors.js";
import { addAwsOptions, awsOptions, canAskOnTerminal, confirmOnTerminal, type AwsFlags } from "./awsOptions.js";
import { info, print, printJson, style } from "./output.js";

interface DestroyFlags extends AwsFlags {
  yes?: boolean;
  keepData?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  addAwsOptions(
    program
      .command("destroy")
      .description("Remove the deployed worker: schedule, mapping, function, roles, secrets and, unless --keep-data, the queues (with their messages), the image repository and the logs. Run it again after a failure to finish.")
      .option("-y, --yes", "remove without asking")
      .option("--keep-data", "keep the queues, the image repository and the log group")
      .option("--json", "print what was removed as JSON"),
  ).action(async (flags: DestroyFlags) => {
    const { destroyDeployment } = await import("../aws/destroy.js");
    const result = await destroyDeployment({
      ...awsOptions(flags),
      keepData: flags.keepData,
      confirm: flags.yes
        ? undefined
        : async (existing) => {
            if (!canAskOnTerminal()) {
              throw new UsageError(`No terminal to ask on, and ${existing.length} resource${existing.length === 1 ? "" : "s"} would be deleted: pass --yes to delete them without confirmation.`);
            }
            // What is about to happen, not the result: stderr, so stdout stays for the outcome.
            info("These resources will be deleted:");
            for (const item of existing) info(`  - ${item.resource} ${item.name}`);
            return confirmOnTerminal("Delete them?", "--yes");
          },
      onProgress: (event) => info(`${event.outcome === "failed" ? style.red("✗") : style.green("✓")} ${event.resource} ${event.name}: ${event.message ?? event.outcome}`),
    });
    if (result.cancelled) throw new LetsgoError("Destroy cancelled: nothing was deleted.");
    if (flags.json) return printJson(result);
    const deleted = result.items.filter((item) => item.outcome === "deleted").length;
    const kept = result.items.filter((item) => item.outcome === "kept").length;
    print(`Destroyed: ${deleted} resource${deleted === 1 ? "" : "s"} deleted${kept ? `, ${kept} kept (--keep-data)` : ""}.`);
  });
}
