import type { Command } from "commander";
import { STRIPE_EVENT_TYPES } from "../project/stripeEvents.js";
import { print, printJson } from "./output.js";

export function register(program: Command): void {
  const stripe = program.command("stripe").description("Drive Stripe webhook events through the local worker.");
  stripe
    .command("trigger")
    .argument("<event-type>", "Stripe event type")
    .description(
      "Build a realistic test event, sign it with STRIPE_WEBHOOK_SECRET exactly as Stripe does, and POST it to the dev worker's /stripe endpoint (no Stripe account or network needed).",
    )
    .addHelpText("after", `\nEvent types:\n  ${STRIPE_EVENT_TYPES.join("\n  ")}`)
    .option("--cwd <dir>", "project directory", ".")
    .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL)")
    .option("--secret <whsec>", "webhook secret (default: STRIPE_WEBHOOK_SECRET)")
    .option("--json", "print the result as JSON")
    .action(async (type: string, flags: { cwd: string; url?: string; secret?: string; json?: boolean }) => {
      const { triggerStripeEvent } = await import("../commands/stripeTrigger.js");
      const { replyError } = await import("../commands/devWorkerApi.js");
      const { ServiceError } = await import("../errors.js");
      const result = await triggerStripeEvent({ cwd: flags.cwd, type, url: flags.url, secret: flags.secret });
      if (flags.json) printJson(result);
      if (result.status >= 300) {
        throw new ServiceError(`${result.url} refused the event (HTTP ${result.status}): ${replyError({ status: result.status, body: result.reply })}`);
      }
      if (!flags.json) print(`Sent ${result.type} ${result.eventId} to ${result.url} (HTTP ${result.status})`);
    });
}
