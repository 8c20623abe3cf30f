/**
 * Secrets as SSM SecureString parameters under the deployment's path
 * (`/letsgo/<deployment>/worker/<KEY>`): every variable of apps/worker/.env that
 * is not plain (src/aws/environment.ts). The function reads them at start from
 * LETSGO_SECRETS_PATH; its role may read only that path. With no secret in
 * apps/worker/.env, no parameter should exist. No value ever leaves this module
 * in a change, a status or an error.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { arn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { secretChange } from "../diff.js";
import type { DeployTarget } from "../target.js";
import { tagList, type DeployedResource } from "./resource.js";

/** DeleteParameters takes at most this many names per call. */
export const DELETE_PARAMETERS_LIMIT = 10;

export interface SecretParameter {
  value: string;
  /** SSM's version number: 1 when created, one more on each overwrite. */
  version: number;
}

/** Parameters under the path: key (without the prefix) → decrypted value and version. */
export type SecretsState = Record<string, SecretParameter>;

/** Current parameters under the path; undefined when there are none. */
async function readSecrets(aws: Aws, prefix: string): Promise<SecretsState | undefined> {
  const ssm = await aws.client("ssm");
  const { GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const out: SecretsState = {};
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: prefix.replace(/\/$/, ""), WithDecryption: true, Recursive: false, NextToken }));
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name?.startsWith(prefix)) {
        out[parameter.Name.slice(prefix.length)] = { value: parameter.Value ?? "", version: parameter.Version ?? 0 };
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Which keys to put and which to delete; the changes say only added, changed or removed, never a value. */
export function diffSecrets(current: SecretsState, desired: Record<string, string>) {
  const put = Object.keys(desired).filter((key) => current[key]?.value !== desired[key]).sort();
  const remove = Object.keys(current).filter((key) => !(key in desired)).sort();
  const changes = [...put.map((key) => secretChange(key, key in current, true)), ...remove.map((key) => secretChange(key, true, false))];
  return { put, remove, changes };
}

/** Shorter values are left in error messages: replacing them would garble the text and hide little. */
const REDACT_MIN_LENGTH = 4;

/**
 * AWS error messages may quote the request they refuse ("Value '...' at 'value'
 * failed to satisfy constraint"): take every secret value, as sent and as JSON
 * escapes it, out of the error's message, stack and text fields before the
 * error goes on to the plan's failure, the progress line or the terminal.
 */
export function redactSecrets<E>(error: E, values: readonly string[]): E {
  if (!error || typeof error !== "object") return error;
  const needles = [...new Set(values.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]))]
    .filter((needle) => needle.length >= REDACT_MIN_LENGTH)
    .sort((a, b) => b.length - a.length);
  const clean = (text: string) => needles.reduce((out, needle) => out.split(needle).join("(secret)"), text);
  const fields = error as unknown as Record<string, unknown>;
  for (const key of [...Object.keys(fields), "message", "stack"]) {
    if (typeof fields[key] === "string") fields[key] = clean(fields[key]);
  }
  return error;
}

/**
 * The version each desired parameter will have once the plan is applied: the
 * current one when the value is unchanged, one more when it is overwritten, 1
 * when it is created. Worked out without writing, so an unchanged deploy stays
 * free of mutating calls.
 */
export function secretVersionsAfter(current: SecretsState, desired: Record<string, string>): Record<string, number> {
  const versions: Record<string, number> = {};
  for (const key of Object.keys(desired).sort()) {
    const have = current[key];
    versions[key] = !have ? 1 : have.value === desired[key] ? have.version : have.version + 1;
  }
  return versions;
}

/** Delete parameters by full name, in calls of at most ten names (the API's limit). */
async function deleteParameterNames(ssm: SSMClient, names: string[]): Promise<void> {
  const { DeleteParametersCommand } = await import("@aws-sdk/client-ssm");
  for (let i = 0; i < names.length; i += DELETE_PARAMETERS_LIMIT) {
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + DELETE_PARAMETERS_LIMIT) }));
  }
}

export const secrets = {
  id: "ssm",
  label: "SSM secrets",
  keepsData: false,
  doing: { read: "reading parameters", create: "PutParameter", update: "PutParameter", delete: "PutParameter" },
  name: (target: DeployTarget) => target.names.ssmPrefix,
  /** The path (no trailing slash): what the function's role may read. */
  arn: (t: DeployTarget) =>
    arn({ partition: t.partition, service: "ssm", region: t.region, account: t.account, resource: `parameter${t.names.ssmPrefix.replace(/\/$/, "")}` }),
  read: (aws, target) => readSecrets(aws, target.names.ssmPrefix),
  desired: (_target, inputs) => (Object.keys(inputs.environment.secrets).length > 0 ? inputs.environment.secrets : undefined),
  diff: (current, desired) => diffSecrets(current ?? {}, desired ?? {}).changes,

  notes(target, inputs) {
    const keys = Object.keys(inputs.environment.secrets).sort();
    if (keys.length === 0) return [];
    const where = keys.length === 1 ? "goes to an SSM SecureString parameter" : "go to SSM SecureString parameters";
    return [
      `${keys.join(", ")} ${where} under ${target.names.ssmPrefix}, not into the function's environment; the function gets LETSGO_SECRETS_PATH and reads them at start. ` +
        `To keep a variable of your own in plain configuration, list it in LETSGO_WORKER_PLAIN_ENV.`,
    ];
  },

  async apply(aws, target, { current = {}, desired = {} }) {
    const ssm = await aws.client("ssm");
    const { PutParameterCommand } = await import("@aws-sdk/client-ssm");
    const prefix = target.names.ssmPrefix;
    const { put, remove } = diffSecrets(current, desired);
    for (const key of put) {
      const Name = `${prefix}${key}`;
      // AWS refuses Tags together with Overwrite: tag on creation only.
      const input =
        key in current
          ? { Name, Value: desired[key], Type: "SecureString" as const, Overwrite: true }
          : { Name, Value: desired[key], Type: "SecureString" as const, Tags: tagList(target.tags) };
      try {
        await ssm.send(new PutParameterCommand(input));
      } catch (error) {
        throw redactSecrets(error, Object.values(desired));
      }
    }
    await deleteParameterNames(ssm, remove.map((key) => `${prefix}${key}`));
  },

  /** Every parameter under the path; false when there was none. */
  async remove(aws, target) {
    const prefix = target.names.ssmPrefix;
    const keys = Object.keys((await readSecrets(aws, prefix)) ?? {});
    await deleteParameterNames(await aws.client("ssm"), keys.map((key) => `${prefix}${key}`));
    return keys.length > 0;
  },

  describe: (current) => {
    const keys = Object.keys(current ?? {}).sort();
    // No secrets in .env means no parameters: nothing is missing. Keys only, never values.
    return { present: keys.length > 0, state: keys.length > 0 ? undefined : "none", details: { keys: keys.join(", ") } };
  },
} satisfies DeployedResource<SecretsState, Record<string, string>>;
