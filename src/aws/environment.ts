/**
 * What the deployed function's environment holds: what a handler sees under
 * `dev` (handlerEnvironment: apps/worker/.env minus the deploy settings), plus
 * what deploy sets itself. Lambda shows its environment in plaintext to anyone
 * who can read the function's configuration, so only plain values go there: the
 * worker's settings not marked secret, and the user's own variables listed in
 * LETSGO_WORKER_PLAIN_ENV. Every other variable is a secret: an SSM
 * SecureString parameter, of which the function gets only the path (the runtime
 * loads them into process.env before the first message).
 */
import { createHash } from "node:crypto";
import { handlerEnvironment, isLambdaReservedKey } from "../project/handlerEnvironment.js";
import { SETTINGS, isSecretKey, plainEnvKeys, type Settings } from "../project/settings.js";
import { QUEUE_URL_ENV } from "../queue/constants.js";
import { SECRETS_PATH_ENV } from "../runtime/secrets.js";

const SECRETS_VERSION_ENV = "LETSGO_SECRETS_VERSION";

/** Variables deploy sets itself, whatever .env says: plain, and never read from .env. */
export const MANAGED_VARIABLES: ReadonlySet<string> = new Set(["LETSGO_DEPLOYMENT", QUEUE_URL_ENV, SECRETS_PATH_ENV, SECRETS_VERSION_ENV]);

export interface FunctionEnvironment {
  /** Plain variables, as Lambda will hold them (the secrets' path included; the version is added by withSecretsVersion). */
  variables: Record<string, string>;
  /** Secret values by key; stored in SSM, never in `variables`. */
  secrets: Record<string, string>;
  /** Keys left out because Lambda reserves them. */
  skipped: string[];
  /** Names LETSGO_WORKER_PLAIN_ENV lists that .env does not set (or sets empty). */
  unknownPlain: string[];
}

export function functionEnvironment(
  settings: Settings,
  extra: Record<string, string>,
  context: { deployment: string; queueUrl: string; secretsPrefix: string },
): FunctionEnvironment {
  const all = handlerEnvironment(settings, extra);
  const plain = plainEnvKeys(settings);
  const variables: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(all)) {
    if (MANAGED_VARIABLES.has(key)) continue;
    if (isLambdaReservedKey(key)) skipped.push(key);
    else if (isSecretKey(key, plain)) secrets[key] = value;
    else variables[key] = value;
  }
  variables.LETSGO_DEPLOYMENT = context.deployment;
  // The function's own enqueue() calls (follow-up messages) go to its queue.
  variables[QUEUE_URL_ENV] = context.queueUrl;
  if (Object.keys(secrets).length > 0) variables[SECRETS_PATH_ENV] = context.secretsPrefix;
  const unknownPlain = [...plain].filter((key) => !(key in SETTINGS) && all[key] === undefined).sort();
  return { variables, secrets, skipped, unknownPlain };
}

/**
 * May a plan or a status show this variable's value? Only when it is plain under
 * the rule above (or one deploy sets itself); a variable found in the function's
 * configuration that the rule makes a secret (put there in plaintext by an older
 * deploy) is never shown.
 */
export function isPlainVariable(key: string, settings: Settings): boolean {
  return MANAGED_VARIABLES.has(key) || !isSecretKey(key, plainEnvKeys(settings));
}

/**
 * LETSGO_SECRETS_VERSION: changes whenever a secret does, so Lambda starts fresh
 * instances that read the new value. It derives from the SSM parameters'
 * version numbers, never from the values: anyone who can read the function's
 * configuration learns nothing to test guesses against.
 */
export function secretsVersion(versions: Record<string, number>): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(versions).sort()) hash.update(`${key}\u0000${versions[key]}\u0000`);
  return hash.digest("hex").slice(0, 16);
}

/** The environment with LETSGO_SECRETS_VERSION set from the parameters' versions (none without secrets). */
export function withSecretsVersion(variables: Record<string, string>, versions: Record<string, number>): Record<string, string> {
  if (Object.keys(versions).length === 0) return variables;
  return { ...variables, [SECRETS_VERSION_ENV]: secretsVersion(versions) };
}
