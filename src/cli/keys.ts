import type { Command } from "commander";
import { info, print, printJson } from "./output.js";

export function register(program: Command): void {
  const keys = program.command("keys").description("Manage the key pair that signs the worker's API access tokens.");
  keys
    .command("generate")
    .description(
      "Write a new private key to apps/worker/.env (LETSGO_WORKER_PRIVATE_KEY, never printed) and print the public JWKS your API must trust.",
    )
    .option("--cwd <dir>", "project directory", ".")
    .option("--force", "replace an existing key")
    .option("--json", "print {kid, jwks} as JSON")
    .action(async (options: { cwd: string; force?: boolean; json?: boolean }) => {
      const { generateKeysIntoEnv } = await import("../project/keys.js");
      const result = await generateKeysIntoEnv(options.cwd, { force: options.force });
      if (options.json) return printJson({ kid: result.kid, jwks: result.publicJwks, envFile: result.envFile });
      info(`${result.replaced ? "Replaced" : "Wrote"} LETSGO_WORKER_PRIVATE_KEY in ${result.envFile} (kid ${result.kid}).`);
      info("Your API must trust this public key set (JWKS) for tokens from the worker:");
      print(JSON.stringify(result.publicJwks, null, 2));
    });
  keys
    .command("show")
    .description("Print the public JWKS of the key in use (LETSGO_WORKER_PRIVATE_KEY), for your API to trust, without changing the key.")
    .option("--cwd <dir>", "project directory", ".")
    .option("--json", "print {kid, jwks} as JSON")
    .action(async (options: { cwd: string; json?: boolean }) => {
      const { showPublicKeys } = await import("../project/keys.js");
      const result = await showPublicKeys(options.cwd);
      if (options.json) return printJson({ kid: result.kid, jwks: result.publicJwks });
      info(`The key in ${result.source} (kid ${result.kid}); your API trusts tokens from the worker with this public key set (JWKS):`);
      print(JSON.stringify(result.publicJwks, null, 2));
    });
}
