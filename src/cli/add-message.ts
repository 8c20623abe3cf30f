import path from "node:path";
import type { Command } from "commander";
import { info, print, printJson, style } from "./output.js";

interface AddMessageFlags {
  cwd: string;
  field: string[];
  type?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("add-message")
    .argument("<Name>", "PascalCase message name, e.g. OrderNew")
    .description(
      "Add a typed message in one step: the MessageType enum member and <Name>Message interface in packages/types, a handler stub in apps/worker/src/handlers, and its registration in the handlers map. All three files change, or none does.",
    )
    .option("-f, --field <name:type>", "a payload field, repeatable (e.g. orderId:string, note?:string)", collect, [])
    .option("--type <value>", "the type value on the wire (default: the name)")
    .option("--cwd <dir>", "project directory", ".")
    .option("--dry-run", "show what would change, write nothing")
    .option("--json", "print the result as JSON")
    .action(async (name: string, flags: AddMessageFlags) => {
      const { addMessage } = await import("../project/addMessage.js");
      const { describeChange } = await import("../project/writeFiles.js");
      const result = await addMessage({ projectDir: flags.cwd, name, typeValue: flags.type, fields: flags.field, dryRun: flags.dryRun });
      if (flags.json) {
        return printJson({
          name: result.name,
          type: result.typeValue,
          interface: result.interfaceName,
          handler: result.handlerName,
          written: result.written,
          files: result.changes.map((change) => ({ path: change.path, action: change.before === undefined ? "create" : "modify" })),
        });
      }
      const root = path.resolve(flags.cwd);
      if (flags.dryRun) {
        print(style.bold("Dry run: nothing written. Would change:"));
        for (const change of result.changes) print(describeChange(change, root));
        return;
      }
      for (const change of result.changes) {
        info(`${change.before === undefined ? style.green("created ") : style.cyan("modified")} ${path.relative(root, change.path)}`);
      }
      print(`Added message ${result.typeValue}: handle it in apps/worker/src/handlers/${result.handlerName}.ts`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
