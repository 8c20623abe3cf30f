/**
 * The queue → function mapping. `ReportBatchItemFailures` is what makes the
 * handler's `batchItemFailures` count: without it AWS retries or deletes a batch
 * as a whole (the bug in LetsGo's original deploy).
 */
import { checkBatching } from "../../project/settingRules.js";
import type { Aws } from "../clients.js";
import { diffFields, type FieldChange } from "../diff.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import { retryWhileRoleNotReady } from "../retry.js";
import type { DeployTarget } from "../target.js";
import { workQueue } from "./queue.js";
import { MISSING, type DeployedResource } from "./resource.js";

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
  checkBatching(s);
  return {
    BatchSize: s.LETSGO_WORKER_BATCH_SIZE,
    MaximumBatchingWindowInSeconds: s.LETSGO_WORKER_BATCHING_WINDOW,
    ScalingConfig: { MaximumConcurrency: s.LETSGO_WORKER_CONCURRENCY },
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    Enabled: true,
  };
}

export function diffMapping(current: MappingState | undefined, desired: DesiredMapping | undefined): FieldChange[] {
  if (!current || !desired) return [];
  return diffFields(
    { ...current, MaximumBatchingWindowInSeconds: current.MaximumBatchingWindowInSeconds ?? 0 } as unknown as Record<string, unknown>,
    desired as unknown as Record<string, unknown>,
  );
}

async function readMapping(aws: Aws, target: DeployTarget): Promise<MappingState | undefined> {
  const lambda = await aws.client("lambda");
  const { ListEventSourceMappingsCommand } = await import("@aws-sdk/client-lambda");
  const queueArn = workQueue.arn(target);
  const list = await readOrUndefined(
    () => lambda.send(new ListEventSourceMappingsCommand({ FunctionName: target.names.function, EventSourceArn: queueArn })),
    NOT_FOUND.resource,
  );
  const found = (list?.EventSourceMappings ?? []).find((m) => m.EventSourceArn === queueArn);
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

export const eventSourceMapping = {
  id: "mapping",
  label: "Event source mapping",
  keepsData: false,
  doing: { read: "reading the mapping", create: "CreateEventSourceMapping", update: "UpdateEventSourceMapping" },
  name: (target: DeployTarget) => `${target.names.queue} → ${target.names.function}`,
  check: checkBatching,
  read: readMapping,
  desired: (target) => desiredMapping(target),
  diff: (current, desired) => diffMapping(current, desired),

  async apply(aws, target, { current, desired }) {
    const lambda = await aws.client("lambda");
    const m = await import("@aws-sdk/client-lambda");
    const FunctionName = target.names.function;
    if (!current) {
      // Lambda checks the role can read the queue: a new role may need a moment.
      await retryWhileRoleNotReady(() =>
        lambda.send(new m.CreateEventSourceMappingCommand({ ...desired!, FunctionName, EventSourceArn: workQueue.arn(target), Tags: target.tags })),
      );
    } else {
      await lambda.send(new m.UpdateEventSourceMappingCommand({ ...desired!, UUID: current.uuid, FunctionName }));
    }
  },

  async remove(aws, target) {
    const current = await readMapping(aws, target);
    if (!current) return false;
    const { DeleteEventSourceMappingCommand } = await import("@aws-sdk/client-lambda");
    const lambda = await aws.client("lambda");
    return deleteIfExists(() => lambda.send(new DeleteEventSourceMappingCommand({ UUID: current.uuid })), NOT_FOUND.resource);
  },

  describe: (mapping) =>
    mapping
      ? {
          present: true,
          state: mapping.state,
          details: {
            batchSize: mapping.BatchSize ?? 0,
            batchingWindowSeconds: mapping.MaximumBatchingWindowInSeconds ?? 0,
            maxConcurrency: mapping.ScalingConfig?.MaximumConcurrency ?? 0,
            reportBatchItemFailures: (mapping.FunctionResponseTypes ?? []).includes("ReportBatchItemFailures"),
          },
        }
      : MISSING,
} satisfies DeployedResource<MappingState, DesiredMapping>;
