/**
 * Secrets as SSM SecureString parameters under the deployment's path
 * (`/letsgo/<deployment>/worker/<KEY>`). The function reads them at start from
 * LETSGO_SECRETS_PATH; its role may read only that path.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Aws } from "./clients.js";
import type { FieldChange } from "./diff.js";
import { type PlannedStep, inStep } from "./step.js";
import type { DeployTarget } from "./target.js";

/** DeleteParameters takes at most this many names per call. */
export const DELETE_PARAMETERS_LIMIT = 10;

export interface SecretParameter {
  value: string;
  /** SSM's version number: 1 when created, one more on each overwrite. */
  version: number;
}

/** Current parameters under the path: key (without the prefix) → decrypted value and version. */
export async function readSecrets(aws: Aws, prefix: string): Promise<Record<string, SecretParameter>> {
  const ssm = await aws.client("ssm");
  const { GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const out: Record<string, SecretParameter> = {};
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: prefix.replace(/\/$/, ""), WithDecryption: true, Recursive: false, NextToken }),
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name?.startsWith(prefix)) {
        out[parameter.Name.slice(prefix.length)] = { value: parameter.Value ?? "", version: parameter.Version ?? 0 };
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Which keys to put and which to delete; values never appear in the changes. */
export function diffSecrets(current: Record<string, SecretParameter>, desired: Record<string, string>) {
  const put = Object.keys(desired).filter((key) => current[key]?.value !== desired[key]).sort();
  const remove = Object.keys(current).filter((key) => !(key in desired)).sort();
  const changes: FieldChange[] = [
    ...put.map((key) => ({ field: key, from: key in current ? "(secret)" : undefined, to: "(secret)" })),
    ...remove.map((key) => ({ field: key, from: "(secret)", to: undefined })),
  ];
  return { put, remove, changes };
}

/**
 * The version each desired parameter will have once the plan is applied: the
 * current one when the value is unchanged, one more when it is overwritten, 1
 * when it is created. Worked out without writing, so an unchanged deploy stays
 * free of mutating calls.
 */
export function secretVersionsAfter(current: Record<string, SecretParameter>, desired: Record<string, string>): Record<string, number> {
  const versions: Record<string, number> = {};
  for (const key of Object.keys(desired).sort()) {
    const have = current[key];
    versions[key] = !have ? 1 : have.value === desired[key] ? have.version : have.version + 1;
  }
  return versions;
}

/** Delete parameters by full name, in calls of at most ten names (the API's limit). */
export async function deleteParameterNames(ssm: SSMClient, names: string[]): Promise<void> {
  const { DeleteParametersCommand } = await import("@aws-sdk/client-ssm");
  for (let i = 0; i < names.length; i += DELETE_PARAMETERS_LIMIT) {
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + DELETE_PARAMETERS_LIMIT) }));
  }
}

export interface SecretsPlan {
  step: PlannedStep;
  /** Each secret's parameter version after the step: what LETSGO_SECRETS_VERSION derives from. */
  versions: Record<string, number>;
}

export async function planSecrets(aws: Aws, target: DeployTarget, desired: Record<string, string>): Promise<SecretsPlan> {
  const resource = "SSM secrets";
  const prefix = target.names.ssmPrefix;
  const current = await inStep(resource, "reading parameters", () => readSecrets(aws, prefix));
  const { put, remove, changes } = diffSecrets(current, desired);
  const keys = Object.keys(desired).sort();
  const notes =
    keys.length > 0
      ? [
          `${keys.join(", ")} ${keys.length === 1 ? "goes to an SSM SecureString parameter" : "go to SSM SecureString parameters"} under ${prefix}, not into the function's environment; the function gets LETSGO_SECRETS_PATH and reads them at start.`,
        ]
      : [];
  const exists = Object.keys(current).length > 0;
  const action = changes.length === 0 ? (keys.length > 0 ? "unchanged" : "absent") : !exists ? "create" : keys.length === 0 ? "delete" : "update";
  const step: PlannedStep = { id: "ssm", resource, name: prefix, action, changes, notes };
  if (changes.length > 0) {
    step.apply = () =>
      inStep(resource, "PutParameter", async () => {
        const ssm = await aws.client("ssm");
        const m = await import("@aws-sdk/client-ssm");
        for (const key of put) {
          const Name = `${prefix}${key}`;
          // AWS refuses Tags together with Overwrite: tag on creation only.
          const input =
            key in current
              ? { Name, Value: desired[key], Type: "SecureString" as const, Overwrite: true }
              : { Name, Value: desired[key], Type: "SecureString" as const, Tags: Object.entries(target.tags).map(([Key, Value]) => ({ Key, Value })) };
          await ssm.send(new m.PutParameterCommand(input));
        }
        await deleteParameterNames(ssm, remove.map((key) => `${prefix}${key}`));
      });
  }
  return { step, versions: secretVersionsAfter(current, desired) };
}

export async function deleteSecrets(aws: Aws, prefix: string): Promise<number> {
  const keys = Object.keys(await readSecrets(aws, prefix));
  await deleteParameterNames(await aws.client("ssm"), keys.map((key) => `${prefix}${key}`));
  return keys.length;
}
