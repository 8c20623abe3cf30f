/** `letsgo-worker keys generate`: a new signing key pair for the worker's access tokens. */
import { writeFile } from "node:fs/promises";
import { ProjectError } from "../errors.js";
import { envToRecord, setEnvValues } from "./dotenv.js";
import { workerPaths } from "./paths.js";
import { readIfExists } from "./scaffold.js";

export interface GeneratedKeys {
  kid: string;
  publicJwks: { keys: object[] };
  envFile: string;
  replaced: boolean;
}

/** Write a new private key into apps/worker/.env (never printed) and return the public JWKS. */
export async function generateKeysIntoEnv(projectDir: string, options: { force?: boolean } = {}): Promise<GeneratedKeys> {
  const { envFile, worker } = workerPaths(projectDir);
  const text = await readIfExists(envFile);
  if (text === undefined && (await readIfExists(workerPaths(projectDir).handlersIndex)) === undefined) {
    throw new ProjectError(`No worker found in ${worker}. Run \`letsgo-worker init\` first.`);
  }
  const existing = envToRecord(text ?? "").LETSGO_WORKER_PRIVATE_KEY ?? "";
  if (existing !== "" && !options.force) {
    throw new ProjectError(
      `${envFile} already has LETSGO_WORKER_PRIVATE_KEY. Pass --force to replace it (tokens signed with the old key stop verifying once your API trusts only the new one).`,
    );
  }
  const { generateWorkerKeys } = await import("../runtime/workerKeys.js");
  const keys = await generateWorkerKeys();
  await writeFile(envFile, setEnvValues(text ?? "", { LETSGO_WORKER_PRIVATE_KEY: keys.privateKey }), { mode: 0o600 });
  return { kid: keys.kid, publicJwks: keys.publicJwks, envFile, replaced: existing !== "" };
}
