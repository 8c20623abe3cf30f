/** `letsgo-worker schedule` (show the schedule and its next fire times) and `schedule run` (fire it now in dev). */
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { print, printJson, style } from "./output.js";

export function register(program: Command): void {
  const schedule = program
    .command("schedule")
    .description("Check LETSGO_WORKER_SCHEDULE as EventBridge Scheduler would: say it in words and list its next fire times")
    .option("--next <n>", "how many fire times to list", "5")
    .option("--expression <expression>", "check this expression instead of LETSGO_WORKER_SCHEDULE")
    .option("--timezone <zone>", "use this IANA time zone instead of LETSGO_WORKER_SCHEDULE_TIMEZONE")
    .option("--cwd <dir>", "project directory (default: current directory)")
    .option("--json", "print one JSON document")
    .enablePositionalOptions()
    .action(async (options: { next: string; expression?: string; timezone?: string; cwd?: string; json?: boolean }) => {
      const next = parseCount(options.next);
      const { showSchedule } = await import("../commands/scheduleShow.js");
      const report = await showSchedule({
        cwd: options.cwd ?? process.cwd(),
        expression: options.expression,
        timezone: options.timezone,
        next,
      });
      if (options.json) return printJson(report);
      if (!report.enabled) return print(`Scheduling is disabled: LETSGO_WORKER_SCHEDULE is empty (${report.source.expression}).`);
      print(`${style.bold(report.expression)} ${style.dim(`(${report.source.expression})`)}`);
      print(`  ${report.description}`);
      if (report.fires.length === 0) return print("It will not fire again.");
      print(`Next ${report.fires.length} fire time${report.fires.length === 1 ? "" : "s"} (${report.timezone} / UTC):`);
      for (const fire of report.fires) print(`  ${fire.local}   ${style.dim(fire.utc)}`);
    });

  schedule
    .command("run")
    .description("Fire the scheduled handler now on the running dev worker (POST <url>/schedule)")
    .option("--cwd <dir>", "project directory (default: current directory)")
    .option("--url <url>", "dev worker URL (default: LETSGO_LOCAL_QUEUE_URL)")
    .option("--json", "print one JSON document")
    .action(async (_local: unknown, command: Command) => {
      // `schedule` declares --cwd and --json too, and the root command parses options
      // after subcommands (no positional options there), so `schedule run --json` can
      // land on `schedule`: read both levels, this one winning.
      const options = command.optsWithGlobals<{ cwd?: string; url?: string; json?: boolean }>();
      const { runSchedule } = await import("../commands/scheduleRun.js");
      const result = await runSchedule({ cwd: options.cwd ?? process.cwd(), url: options.url });
      if (options.json) return printJson(result);
      print(`${style.green("ok")} scheduled handler ran${result.durationMs === undefined ? "" : ` in ${result.durationMs} ms`} (${result.url})`);
    });
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000) {
    throw new UsageError(`--next must be a whole number from 1 to 1000, got "${text}".`);
  }
  return Number(text);
}
