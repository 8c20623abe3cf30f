import type { Command } from "commander";
import { addAwsOptions, awsOptions, type AwsFlags } from "./deploy.js";
import { print, printJson, style } from "./output.js";

export function register(program: Command): void {
  addAwsOptions(
    program
      .command("status")
      .description("Show the deployed worker: each resource and its settings, queue and DLQ depth, the schedule and its next fire time, the image the function runs.")
      .option("--json", "print the status as JSON"),
  ).action(async (flags: AwsFlags & { json?: boolean }) => {
    const { getStatus } = await import("../aws/status.js");
    const status = await getStatus(awsOptions(flags));
    if (flags.json) return printJson(status);
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
    if (status.queue) print(`Queue: ${status.queue.depth} waiting, ${status.queue.inFlight} in flight, ${status.queue.delayed} delayed`);
    if (status.deadLetterQueue) print(`Dead-letter queue: ${status.deadLetterQueue.depth} message${status.deadLetterQueue.depth === 1 ? "" : "s"}`);
    if (status.schedule) {
      print(`Schedule: ${status.schedule.expression} (${status.schedule.timezone}), ${status.schedule.state ?? ""}, next ${status.schedule.nextFire ?? "unknown"}`);
    } else {
      print("Schedule: none");
    }
    print(`Image: ${status.image ?? "none deployed"}`);
  });
}
