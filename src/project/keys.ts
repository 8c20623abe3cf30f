/** `letsgo-worker keys generate | show`: the signing key pair for the worker's access tokens. */
import { replaceFile } from "../files/atomicFile.js";
import { ProjectError } from "../errors.js";
import { loadSettings } from "./settings.js";
import { envToRecord, setEnvValues } from "./dotenv.js";
import { requireWorkerFiles, workerPaths } from "./paths.js";
import { readIfExists } from "./scaffold.js";

export interface GeneratedKeys {
  kid: string;
  publicJwks: { keys: object[] };
  envFile: string;
  replaced: boolean;
}

/** Write a new private key into apps/worker/.env (never printed) and return the public JWKS. */
export async function generateKeysIntoEnv(projectDir: string, options: { force?: boolean } = {}): Promise<GeneratedKeys> {
  const paths = workerPaths(projectDir);
  const { envFile } = paths;
  const text = await readIfExists(envFile);
  if (text === undefined) requireWorkerFiles(paths, paths.handlersIndex);
  const existing = envToRecord(text ?? "").LETSGO_WORKER_PRIVATE_KEY ?? "";
  if (existing !== "" && !options.force) {
    throw new ProjectError(
      `${envFile} already has LETSGO_WORKER_PRIVATE_KEY. Pass --force to replace it (tokens signed with the old key stop verifying once your API trusts only the new one).`,
    );
  }
  const { generateWorkerKeys } = await import("../runtime/workerKeys.js");
  const keys = await generateWorkerKeys();
  await replaceFile(envFile, setEnvValues(text ?? "", { LETSGO_WORKER_PRIVATE_KEY: keys.privateKey }), { mode: 0o600 });
  return { kid: keys.kid, publicJwks: keys.publicJwks, envFile, replaced: existing !== "" };
}

/** The public JWKS of the key in use (LETSGO_WORKER_PRIVATE_KEY from the environment or .env), without changing it. */
export async function showPublicKeys(projectDir: string): Promise<{ kid: string; publicJwks: { keys: object[] }; source: string }> {
  const { settings, envFile } = await loadSettings(projectDir);
  const privateKey = settings.LETSGO_WORKER_PRIVATE_KEY;
  if (!privateKey) {
    throw new ProjectError(`No LETSGO_WORKER_PRIVATE_KEY in ${envFile} or the environment: create one with \`letsgo-worker keys generate\`.`);
  }
  const { publicJwksFor } = await import("../runtime/workerKeys.js");
  const { kid, publicJwks } = await publicJwksFor(privateKey).catch((error: unknown) => {
    throw new ProjectError(`LETSGO_WORKER_PRIVATE_KEY is not a usable private key (${(error as Error).message}): replace it with \`letsgo-worker keys generate --force\`.`, { cause: error });
  });
  return { kid, publicJwks, source: process.env.LETSGO_WORKER_PRIVATE_KEY !== undefined ? "environment variable LETSGO_WORKER_PRIVATE_KEY" : envFile };
}
