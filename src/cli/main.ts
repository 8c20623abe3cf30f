/**
 * The command-line entry. Declares commands; each command's module is imported
 * only when it runs, so `--help` never loads the AWS SDK, dockerode or stripe.
 * This is the only place that decides the exit code.
 */
import { Command, CommanderError } from "commander";
import { LetsgoError } from "../errors.js";
import { printBug, printError } from "./output.js";
import { registerCommands } from "./commands.js";
import { findProjectRoot } from "../project/findProject.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("letsgo-worker")
    .description("Background work for TypeScript apps on AWS: SQS + Lambda + EventBridge Scheduler, with a local worker that behaves like the cloud.")
    .version(VERSION, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      "\nGet started:\n  letsgo-worker init && npm install\n  letsgo-worker add-message OrderNew --field orderId:string\n  letsgo-worker dev\n\nEach command's --help tells more.",
    );
  registerCommands(program);
  // Every command but init takes --cwd; it may name any folder inside the project.
  program.hook("preAction", (_program, action) => {
    if (action.name() === "init" || !action.options.some((option) => option.long === "--cwd")) return;
    const root = findProjectRoot(String(action.opts().cwd ?? "."));
    if (root) action.setOptionValue("cwd", root);
  });
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // The SDK (pinned in the lockfile) works on Node 20, which `engines` allows; its
  // nine-line "node >= 22 from 2027" notice on every AWS command helps no one
  // here. The README says Node 22 is what Lambda runs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // `letsgo-worker ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof LetsgoError) {
      printError(error.message);
      return error.exitCode;
    }
    printBug(error);
    return 70; // EX_SOFTWARE
  }
}
