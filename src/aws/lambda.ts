/**
 * The worker function: a container image function created or updated in place,
 * waiting on AWS's own waiters (State Active, LastUpdateStatus Successful)
 * rather than on a clock.
 */
import type { Aws } from "./clients.js";
import { diffFields, diffTags, tagChanges, type FieldChange } from "./diff.js";
import { retryWhileRoleNotReady } from "./retry.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

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
    Role: target.arns.functionRole,
    MemorySize: s.LETSGO_WORKER_MEMORY,
    Timeout: s.LETSGO_WORKER_FUNCTION_TIMEOUT,
    EphemeralStorage: { Size: s.LETSGO_WORKER_EPHEMERAL_STORAGE },
    Environment: environment,
  };
}

/** Field changes; environment changes are listed per variable so the plan says which. */
export function diffFunction(current: FunctionState | undefined, desired: DesiredFunction, tags: Record<string, string>): FieldChange[] {
  if (!current) return [];
  const { Environment: desiredEnv, ...desiredRest } = desired;
  const { Environment: currentEnv = {}, ...currentRest } = current;
  const changes = diffFields(currentRest as Record<string, unknown>, desiredRest as unknown as Record<string, unknown>);
  const keys = new Set([...Object.keys(currentEnv), ...Object.keys(desiredEnv)]);
  for (const key of [...keys].sort()) {
    if (currentEnv[key] !== desiredEnv[key]) changes.push({ field: `Environment.${key}`, from: currentEnv[key], to: desiredEnv[key] });
  }
  return [...changes, ...tagChanges(current.tags, tags)];
}

export async function readFunction(aws: Aws, name: string): Promise<FunctionState | undefined> {
  const lambda = await aws.client("lambda");
  const { GetFunctionCommand } = await import("@aws-sdk/client-lambda");
  let out;
  try {
    out = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
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

async function applyFunction(aws: Aws, target: DeployTarget, current: FunctionState | undefined, desired: DesiredFunction) {
  const lambda = await aws.client("lambda");
  const m = await import("@aws-sdk/client-lambda");
  const name = target.names.function;
  const waitActive = () => m.waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: WAIT_SECONDS }, { FunctionName: name });
  const waitUpdated = () => m.waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: WAIT_SECONDS }, { FunctionName: name });
  const configuration = {
    FunctionName: name,
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
  const changed = diffFunction(current, desired, target.tags).map((change) => change.field.split(".")[0]!);
  // A previous, interrupted deploy may have left an update running: AWS refuses another until it ends.
  if (current.lastUpdateStatus === "InProgress") await waitUpdated();
  if (changed.some((field) => CODE_FIELDS.has(field))) {
    await lambda.send(
      new m.UpdateFunctionCodeCommand({
        FunctionName: name,
        ImageUri: desired.ImageUri,
        Architectures: desired.Architectures as Array<"arm64" | "x86_64">,
      }),
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
}

export async function planFunction(aws: Aws, target: DeployTarget, desired: DesiredFunction, notes: string[]): Promise<PlannedStep> {
  const resource = "Lambda function";
  const current = await inStep(resource, "reading the function", () => readFunction(aws, target.names.function));
  const changes = diffFunction(current, desired, target.tags);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const step: PlannedStep = { id: "lambda", resource, name: target.names.function, action, changes, notes };
  if (action !== "unchanged") {
    step.apply = () => inStep(resource, action === "create" ? "CreateFunction" : "updating the function", () => applyFunction(aws, target, current, desired));
  }
  return step;
}

export async function deleteFunction(aws: Aws, name: string): Promise<boolean> {
  const { DeleteFunctionCommand } = await import("@aws-sdk/client-lambda");
  try {
    await (await aws.client("lambda")).send(new DeleteFunctionCommand({ FunctionName: name }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}
