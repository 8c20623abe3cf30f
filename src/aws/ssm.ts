/**
 * Secrets as SSM SecureString parameters under the deployment's path
 * (`/letsgo/<deployment>/worker/<KEY>`). The function reads them at start from
 * LETSGO_SECRETS_PATH; its role may read only that path.
 */
import type { Aws } from "./clients.js";
import type { FieldChange } from "./diff.js";
import { type PlannedStep, inStep } from "./step.js";
import type { DeployTarget } from "./target.js";

/** Current parameters under the path: key (without the prefix) → decrypted value. */
export async function readSecrets(aws: Aws, prefix: string): Promise<Record<string, string>> {
  const ssm = await aws.client("ssm");
  const { GetParametersByPathCommand } = await import("@aws-sdk/client-ssm");
  const out: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: prefix.replace(/\/$/, ""), WithDecryption: true, Recursive: false, NextToken }),
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name?.startsWith(prefix)) out[parameter.Name.slice(prefix.length)] = parameter.Value ?? "";
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Which keys to put and which to delete; values never appear in the changes. */
export function diffSecrets(current: Record<string, string>, desired: Record<string, string>) {
  const put = Object.keys(desired).filter((key) => current[key] !== desired[key]).sort();
  const remove = Object.keys(current).filter((key) => !(key in desired)).sort();
  const changes: FieldChange[] = [
    ...put.map((key) => ({ field: key, from: key in current ? "(secret)" : undefined, to: "(secret)" })),
    ...remove.map((key) => ({ field: key, from: "(secret)", to: undefined })),
  ];
  return { put, remove, changes };
}

export async function planSecrets(aws: Aws, target: DeployTarget, desired: Record<string, string>): Promise<PlannedStep> {
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
        if (remove.length > 0) await ssm.send(new m.DeleteParametersCommand({ Names: remove.map((key) => `${prefix}${key}`) }));
      });
  }
  return step;
}

export async function deleteSecrets(aws: Aws, prefix: string): Promise<number> {
  const keys = Object.keys(await readSecrets(aws, prefix));
  if (keys.length === 0) return 0;
  const { DeleteParametersCommand } = await import("@aws-sdk/client-ssm");
  const ssm = await aws.client("ssm");
  for (let i = 0; i < keys.length; i += 10) {
    await ssm.send(new DeleteParametersCommand({ Names: keys.slice(i, i + 10).map((key) => `${prefix}${key}`) }));
  }
  return keys.length;
}
