/**
 * The worker function: a container image function created or updated in place,
 * waiting on AWS's own waiters (State Active, LastUpdateStatus Successful)
 * rather than on a clock. Its environment holds only plain variables, and
 * LETSGO_SECRETS_VERSION, worked out from the secrets step, so a changed secret
 * starts fresh instances.
 */
import { functionArn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { diffFields, diffTags, secretChange, tagChanges, type FieldChange } from "../diff.js";
import { isPlainVariable, withSecretsVersion } from "../environment.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import { retryWhileRoleNotReady } from "../retry.js";
import type { DeployTarget } from "../target.js";
import { functionRole } from "./functionRole.js";
import { MISSING, type DeployedResource } from "./resource.js";
import { secretVersionsAfter, secrets } from "./secrets.js";

/** How long to wait for a create or update to settle: image functions can take minutes. */
const WAIT_SECONDS = 600;

export interface DesiredFunction {
  ImageUri: string;
  Architectures: string[];
  Role: string;
  MemorySize: number;
  Timeout: number;
  EphemeralStorage: { Size: number };
  Environment: Record<string, string>;
}

export interface FunctionState extends Partial<DesiredFunction> {
  arn: string;
  state?: string;
  lastUpdateStatus?: string;
  tags: Record<string, string>;
}

/** Fields that UpdateFunctionCode changes; the rest go through UpdateFunctionConfiguration. */
const CODE_FIELDS = new Set(["ImageUri", "Architectures"]);

export function desiredFunction(target: DeployTarget, image: string, environment: Record<string, string>): DesiredFunction {
  const s = target.settings;
  return {
    ImageUri: image,
    Architectures: [s.LETSGO_WORKER_ARCHITECTURE],
    Role: functionRole.arn(target),
    MemorySize: s.LETSGO_WORKER_MEMORY,
    Timeout: s.LETSGO_WORKER_FUNCTION_TIMEOUT,
    EphemeralStorage: { Size: s.LETSGO_WORKER_EPHEMERAL_STORAGE },
    Environment: environment,
  };
}

/**
 * Field changes; environment changes are listed per variable so the plan says
 * which. A variable that is not plain (`isPlain`), such as a secret an older
 * deploy left in the configuration, shows as `(secret, removed)`, never with its
 * value.
 */
export function diffFunction(
  current: FunctionState | undefined,
  desired: DesiredFunction | undefined,
  tags: Record<string, string>,
  isPlain: (key: string) => boolean,
): FieldChange[] {
  if (!current || !desired) return [];
  const { Environment: desiredEnv, ...desiredRest } = desired;
  const { Environment: currentEnv = {}, ...currentRest } = current;
  const changes = diffFields(currentRest as Record<string, unknown>, desiredRest as unknown as Record<string, unknown>);
  const keys = new Set([...Object.keys(currentEnv), ...Object.keys(desiredEnv)]);
  for (const key of [...keys].sort()) {
    if (currentEnv[key] === desiredEnv[key]) continue;
    const field = `Environment.${key}`;
    if (isPlain(key)) changes.push({ field, from: currentEnv[key], to: desiredEnv[key] });
    else changes.push(secretChange(field, key in currentEnv, key in desiredEnv));
  }
  return [...changes, ...tagChanges(current.tags, tags)];
}

async function readFunction(aws: Aws, name: string): Promise<FunctionState | undefined> {
  const lambda = await aws.client("lambda");
  const { GetFunctionCommand } = await import("@aws-sdk/client-lambda");
  const out = await readOrUndefined(() => lambda.send(new GetFunctionCommand({ FunctionName: name })), NOT_FOUND.resource);
  if (!out) return undefined;
  const c = out.Configuration ?? {};
  return {
    arn: c.FunctionArn ?? "",
    state: c.State,
    lastUpdateStatus: c.LastUpdateStatus,
    ImageUri: out.Code?.ImageUri,
    Architectures: c.Architectures,
    Role: c.Role,
    MemorySize: c.MemorySize,
    Timeout: c.Timeout,
    EphemeralStorage: c.EphemeralStorage?.Size === undefined ? undefined : { Size: c.EphemeralStorage.Size },
    Environment: c.Environment?.Variables ?? {},
    tags: out.Tags ?? {},
  };
}

export const workerFunction = {
  id: "lambda",
  label: "Lambda function",
  keepsData: false,
  doing: { read: "reading the function", create: "CreateFunction", update: "updating the function" },
  name: (target: DeployTarget) => target.names.function,
  arn: (t: DeployTarget) => functionArn(t.region, t.account, t.names.function, t.partition),
  read: (aws, target) => readFunction(aws, target.names.function),

  desired(target, inputs) {
    const { variables, secrets: wanted } = inputs.environment;
    const versions = secretVersionsAfter(inputs.found(secrets) ?? {}, wanted);
    return desiredFunction(target, inputs.image, withSecretsVersion(variables, versions));
  },

  diff: (current, desired, target) => diffFunction(current, desired, target.tags, (key) => isPlainVariable(key, target.settings)),

  notes(_target, inputs) {
    const { skipped, unknownPlain } = inputs.environment;
    const notes: string[] = [];
    if (skipped.length > 0) notes.push(`Not passed to the function (Lambda reserves them): ${skipped.join(", ")}.`);
    if (unknownPlain.length > 0) {
      const one = unknownPlain.length === 1;
      notes.push(
        `warning: LETSGO_WORKER_PLAIN_ENV lists ${unknownPlain.join(", ")}, which apps/worker/.env does not set: ` +
          `nothing to keep plain for ${one ? "it" : "them"} (a typo?).`,
      );
    }
    return notes;
  },

  async apply(aws, target, { current, desired: wanted, changes }) {
    const desired = wanted!;
    const lambda = await aws.client("lambda");
    const m = await import("@aws-sdk/client-lambda");
    const FunctionName = target.names.function;
    const waitActive = () => m.waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: WAIT_SECONDS }, { FunctionName });
    const waitUpdated = () => m.waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: WAIT_SECONDS }, { FunctionName });
    const configuration = {
      FunctionName,
      Role: desired.Role,
      MemorySize: desired.MemorySize,
      Timeout: desired.Timeout,
      EphemeralStorage: desired.EphemeralStorage,
      Environment: { Variables: desired.Environment },
    };
    if (!current) {
      await retryWhileRoleNotReady(() =>
        lambda.send(
          new m.CreateFunctionCommand({
            ...configuration,
            PackageType: "Image",
            Code: { ImageUri: desired.ImageUri },
            Architectures: desired.Architectures as Array<"arm64" | "x86_64">,
            Description: `letsgo-worker (${target.deployment})`,
            Tags: target.tags,
          }),
        ),
      );
      await waitActive();
      return;
    }
    const changed = changes.map((change) => change.field.split(".")[0]!);
    // A previous, interrupted deploy may have left an update running: AWS refuses another until it ends.
    if (current.lastUpdateStatus === "InProgress") await waitUpdated();
    if (changed.some((field) => CODE_FIELDS.has(field))) {
      await lambda.send(
        new m.UpdateFunctionCodeCommand({ FunctionName, ImageUri: desired.ImageUri, Architectures: desired.Architectures as Array<"arm64" | "x86_64"> }),
      );
      await waitUpdated();
    }
    if (changed.some((field) => field !== "Tags" && !CODE_FIELDS.has(field))) {
      await retryWhileRoleNotReady(() => lambda.send(new m.UpdateFunctionConfigurationCommand(configuration)));
      await waitUpdated();
    }
    const { set, remove } = diffTags(current.tags, target.tags);
    if (Object.keys(set).length > 0) await lambda.send(new m.TagResourceCommand({ Resource: current.arn, Tags: set }));
    if (remove.length > 0) await lambda.send(new m.UntagResourceCommand({ Resource: current.arn, TagKeys: remove }));
  },

  async remove(aws, target) {
    const { DeleteFunctionCommand } = await import("@aws-sdk/client-lambda");
    const lambda = await aws.client("lambda");
    return deleteIfExists(() => lambda.send(new DeleteFunctionCommand({ FunctionName: target.names.function })), NOT_FOUND.resource);
  },

  describe: (fn) =>
    fn
      ? {
          present: true,
          state: [fn.state, fn.lastUpdateStatus].filter(Boolean).join(" / "),
          details: { memoryMb: fn.MemorySize ?? 0, timeoutSeconds: fn.Timeout ?? 0, architecture: fn.Architectures?.join(",") ?? "", ephemeralStorageMb: fn.EphemeralStorage?.Size ?? 0 },
        }
      : MISSING,
} satisfies DeployedResource<FunctionState, DesiredFunction>;
