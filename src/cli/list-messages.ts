import type { Command } from "commander";
import { print, printJson, style } from "./output.js";

export function register(program: Command): void {
  program
    .command("list-messages")
    .description("List the message types in @letsgo/types and whether each has a registered handler.")
    .option("--cwd <dir>", "project directory", ".")
    .option("--json", "print the list as JSON")
    .action(async (options: { cwd: string; json?: boolean }) => {
      const { listMessageTypes } = await import("../project/messages.js");
      const types = await listMessageTypes(options.cwd);
      if (options.json) return printJson(types);
      const width = Math.max(4, ...types.map((t) => t.type.length));
      print(`${"TYPE".padEnd(width)}  HANDLER`);
      for (const t of types) {
        const handler = t.handled ? style.green("registered") : style.yellow("none (messages go to the DLQ)");
        print(`${t.type.padEnd(width)}  ${handler}${t.reserved ? style.dim("  (reserved)") : ""}`);
      }
    });
}
