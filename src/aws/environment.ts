/**
 * What the deployed function's environment holds: apps/worker/.env minus the
 * deploy settings, plus LETSGO_DEPLOYMENT. Values that look secret are kept out
 * of the environment (Lambda shows it in plaintext to anyone who can read the
 * function's configuration): they become SSM SecureString parameters, and the
 * function gets only their path.
 */
import { createHash } from "node:crypto";
import { SETTING_KEYS, isDeploySetting, isSecretKey, type Settings } from "../project/settings.js";
import { QUEUE_URL_ENV } from "../queue/constants.js";

/** Lambda refuses these keys: the runtime sets them itself. */
const RESERVED = /^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$|TZ$)/;

export interface FunctionEnvironment {
  /** Plain variables, as Lambda will hold them (the secrets' path included; the version is added by withSecretsVersion). */
  variables: Record<string, string>;
  /** Secret values by key; stored in SSM, never in `variables`. */
  secrets: Record<string, string>;
  /** Keys left out because Lambda reserves them. */
  skipped: string[];
}

export function functionEnvironment(
  settings: Settings,
  extra: Record<string, string>,
  context: { deployment: string; queueUrl: string; secretsPrefix: string },
): FunctionEnvironment {
  const all: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    if (isDeploySetting(key)) continue;
    const value = String(settings[key]);
    if (value !== "") all[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) if (value !== "") all[key] = value;

  const variables: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(all)) {
    if (RESERVED.test(key)) skipped.push(key);
    else if (isSecretKey(key)) secrets[key] = value;
    else variables[key] = value;
  }
  variables.LETSGO_DEPLOYMENT = context.deployment;
  // The function's own enqueue() calls (follow-up messages) go to its queue.
  variables[QUEUE_URL_ENV] = context.queueUrl;
  if (Object.keys(secrets).length > 0) variables.LETSGO_SECRETS_PATH = context.secretsPrefix;
  return { variables, secrets, skipped };
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
  return { ...variables, LETSGO_SECRETS_VERSION: secretsVersion(versions) };
}
