/**
 * The queue → function mapping. `ReportBatchItemFailures` is what makes the
 * handler's `batchItemFailures` count: without it AWS retries or deletes a batch
 * as a whole (the bug in LetsGo's original deploy).
 */
import type { Aws } from "./clients.js";
import { diffFields, type FieldChange } from "./diff.js";
import { retryWhileRoleNotReady } from "./retry.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";
import { SettingsError } from "../errors.js";

export interface DesiredMapping {
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  ScalingConfig: { MaximumConcurrency: number };
  FunctionResponseTypes: ["ReportBatchItemFailures"];
  Enabled: boolean;
}

export interface MappingState {
  uuid: string;
  state?: string;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  ScalingConfig?: { MaximumConcurrency?: number };
  FunctionResponseTypes?: string[];
  Enabled: boolean;
}

export function desiredMapping(target: DeployTarget): DesiredMapping {
  const s = target.settings;
  if (s.LETSGO_WORKER_BATCH_SIZE > 10 && s.LETSGO_WORKER_BATCHING_WINDOW < 1) {
    throw new SettingsError(
      `LETSGO_WORKER_BATCH_SIZE is ${s.LETSGO_WORKER_BATCH_SIZE}: AWS requires LETSGO_WORKER_BATCHING_WINDOW of at least 1 s for batches larger than 10. Set LETSGO_WORKER_BATCHING_WINDOW=1 or more.`,
    );
  }
  return {
    BatchSize: s.LETSGO_WORKER_BATCH_SIZE,
    MaximumBatchingWindowInSeconds: s.LETSGO_WORKER_BATCHING_WINDOW,
    ScalingConfig: { MaximumConcurrency: s.LETSGO_WORKER_CONCURRENCY },
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    Enabled: true,
  };
}

export function diffMapping(current: MappingState | undefined, desired: DesiredMapping): FieldChange[] {
  if (!current) return [];
  return diffFields(
    { ...current, MaximumBatchingWindowInSeconds: current.MaximumBatchingWindowInSeconds ?? 0 } as unknown as Record<string, unknown>,
    desired as unknown as Record<string, unknown>,
  );
}

export async function readMapping(aws: Aws, target: DeployTarget): Promise<MappingState | undefined> {
  const lambda = await aws.client("lambda");
  const { ListEventSourceMappingsCommand } = await import("@aws-sdk/client-lambda");
  let list;
  try {
    list = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: target.names.function, EventSourceArn: target.arns.queue }));
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
  const found = (list.EventSourceMappings ?? []).find((m) => m.EventSourceArn === target.arns.queue);
  if (!found) return undefined;
  return {
    uuid: found.UUID!,
    state: found.State,
    BatchSize: found.BatchSize,
    MaximumBatchingWindowInSeconds: found.MaximumBatchingWindowInSeconds,
    ScalingConfig: found.ScalingConfig?.MaximumConcurrency === undefined ? undefined : { MaximumConcurrency: found.ScalingConfig.MaximumConcurrency },
    FunctionResponseTypes: found.FunctionResponseTypes,
    Enabled: found.State !== "Disabled" && found.State !== "Disabling",
  };
}

export async function planMapping(aws: Aws, target: DeployTarget): Promise<PlannedStep> {
  const resource = "Event source mapping";
  const desired = desiredMapping(target);
  const current = await inStep(resource, "reading the mapping", () => readMapping(aws, target));
  const changes = diffMapping(current, desired);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const name = `${target.names.queue} → ${target.names.function}`;
  const step: PlannedStep = { id: "mapping", resource, name, action, changes, notes: [] };
  if (action !== "unchanged") {
    step.apply = () =>
      inStep(resource, action === "create" ? "CreateEventSourceMapping" : "UpdateEventSourceMapping", async () => {
        const lambda = await aws.client("lambda");
        const m = await import("@aws-sdk/client-lambda");
        if (!current) {
          // Lambda checks the role can read the queue: a new role may need a moment.
          await retryWhileRoleNotReady(() =>
            lambda.send(
              new m.CreateEventSourceMappingCommand({ ...desired, FunctionName: target.names.function, EventSourceArn: target.arns.queue, Tags: target.tags }),
            ),
          );
        } else {
          await lambda.send(new m.UpdateEventSourceMappingCommand({ ...desired, UUID: current.uuid, FunctionName: target.names.function }));
        }
      });
  }
  return step;
}

export async function deleteMapping(aws: Aws, target: DeployTarget): Promise<boolean> {
  const current = await readMapping(aws, target);
  if (!current) return false;
  const { DeleteEventSourceMappingCommand } = await import("@aws-sdk/client-lambda");
  try {
    await (await aws.client("lambda")).send(new DeleteEventSourceMappingCommand({ UUID: current.uuid }));
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
  return true;
}
