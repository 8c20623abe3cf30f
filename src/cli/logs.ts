import type { Command } from "commander";
import { addAwsOptions, awsOptions, type AwsFlags } from "./awsOptions.js";
import { info, print } from "./output.js";

interface LogsFlags extends AwsFlags {
  follow?: boolean;
  since: string;
  json?: boolean;
}

export function register(program: Command): void {
  addAwsOptions(
    program
      .command("logs")
      .description("Show the deployed function's CloudWatch Logs, pretty-printed.")
      .option("-f, --follow", "keep printing new events until interrupted")
      .option("--since <age>", "how far back: 30s, 10m, 2h, 1d or an ISO date", "10m")
      .option("--json", "one JSON object per event"),
  ).action(async (flags: LogsFlags) => {
    const { readLogs, formatLogEvent } = await import("../aws/logs.js");
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    try {
      const { events } = await readLogs({
        ...awsOptions(flags),
        since: flags.since,
        follow: flags.follow,
        signal: stop.signal,
        onEvent: (event) => (flags.json ? process.stdout.write(JSON.stringify(event) + "\n") : print(formatLogEvent(event))),
        onMissing: (group) => info(`No log group ${group} yet: the function has not run.${flags.follow ? " Waiting..." : ""}`),
      });
      if (events === 0 && !flags.follow && !flags.json) info(`No events since ${flags.since}.`);
    } finally {
      process.off("SIGINT", onSignal);
    }
  });
}
