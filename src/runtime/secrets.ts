/**
 * Secrets for the deployed function. `deploy` keeps values that look secret out
 * of the Lambda environment (anyone who can read the function's configuration
 * sees it in plaintext) and stores them as SSM SecureString parameters under
 * LETSGO_SECRETS_PATH. The worker reads them once per instance, before the first
 * message, and sets them as environment variables, so handler code reads
 * `process.env.X` the same way locally and in AWS.
 *
 * The AWS SDK is not bundled: the Lambda Node.js base image provides it, and it
 * is imported only when LETSGO_SECRETS_PATH is set.
 */
import { processSlot, type ProcessSlot } from "./processSlot.js";
export const SECRETS_PATH_ENV = "LETSGO_SECRETS_PATH";

export type Env = Record<string, string | undefined>;

/** Read every parameter under the path into `env`; returns the names set (never the values). */
export async function loadSecretsIntoEnv(env: Env = process.env): Promise<string[]> {
  const path = env[SECRETS_PATH_ENV];
  if (!path) return [];
  const { SSMClient, GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const client = new SSMClient({});
  const names: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new GetParametersByPathCommand({ Path: path, WithDecryption: true, Recursive: false, NextToken: nextToken }),
      );
      for (const parameter of page.Parameters ?? []) {
        if (!parameter.Name || parameter.Value === undefined) continue;
        const name = parameter.Name.slice(path.length).replace(/^\//, "");
        env[name] = parameter.Value;
        names.push(name);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } finally {
    client.destroy();
  }
  return names;
}

/** The load of process.env's secrets, shared by every copy of the runtime in the process. */
const processSecrets = processSlot<Promise<void>>("secrets");
/** The names that load set: the probe reports them (names only). */
const processSecretNames = processSlot<readonly string[]>("secret-names");

/** The names of the secrets read from SSM into process.env so far (none when LETSGO_SECRETS_PATH is unset, as in dev). */
export function loadedSecretNames(): readonly string[] {
  return processSecretNames.get() ?? [];
}

/**
 * Load once per process; a failure is not remembered, so the next invocation
 * tries again (the failed batch itself goes back to the queue, nothing is lost).
 * For process.env the load is shared process-wide: the image's entry awaits it
 * before the user's modules run (so code that reads process.env at load time
 * sees the secrets, as in dev), and the handler's own await then costs nothing.
 */
export function secretsLoader(env: Env = process.env): () => Promise<void> {
  // Another environment (a test's) gets a slot of its own.
  let own: Promise<void> | undefined;
  const slot: ProcessSlot<Promise<void>> = env === process.env ? processSecrets : { get: () => own, set: (value) => void (own = value) };
  return () => {
    let load = slot.get();
    if (!load) {
      load = loadSecretsIntoEnv(env).then(
        (names) => {
          if (env === process.env) processSecretNames.set(names);
        },
        (error: unknown) => {
          slot.set(undefined);
          throw new Error(`Could not read the worker's secrets from SSM (${env[SECRETS_PATH_ENV]}): ${(error as Error).message}`, {
            cause: error,
          });
        },
      );
      slot.set(load);
    }
    return load;
  };
}

/** Load the worker's secrets into process.env, once per process. */
export function loadWorkerSecrets(): Promise<void> {
  return secretsLoader()();
}
