/**
 * What Lambda does with a failed asynchronous invocation of the function.
 * EventBridge Scheduler invokes its Lambda target asynchronously: once Lambda
 * has accepted the event, the schedule's RetryPolicy and DeadLetterConfig are
 * done with it (they cover only events Scheduler could not deliver). A
 * scheduled run whose handler throws is retried by Lambda's own async retries,
 * and after the last one Lambda discards it unless the function has an
 * on-failure destination. So: 2 retries, an age limit, and the worker's DLQ as
 * the on-failure destination (the function's role may send to it).
 */
import { diffFields, type FieldChange } from "../diff.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import { retryWhileRoleNotReady } from "../retry.js";
import type { DeployTarget } from "../target.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { MISSING, type DeployedResource } from "./resource.js";

/** Lambda's retries of a failed run (0-2; 2 is AWS's default) and how old a run may get (60-21600 s), as the schedule's own policy. */
export const ASYNC_INVOKE_POLICY = { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 };

export interface DesiredAsyncInvoke {
  MaximumRetryAttempts: number;
  MaximumEventAgeInSeconds: number;
  /** ARN of the on-failure destination. */
  OnFailure: string;
  /** Not wanted: an on-success destination someone added is removed. */
  OnSuccess?: string;
}

export type AsyncInvokeState = Partial<DesiredAsyncInvoke>;

export function diffAsyncInvoke(current: AsyncInvokeState | undefined, desired: DesiredAsyncInvoke | undefined): FieldChange[] {
  if (!current || !desired) return [];
  return diffFields(current as Record<string, unknown>, desired as unknown as Record<string, unknown>);
}

export const asyncInvokeConfig = {
  id: "lambda-async",
  label: "Lambda async invoke config",
  keepsData: false,
  // Put replaces the whole config: one call whether it is new or not.
  doing: { read: "reading the async invoke config", create: "PutFunctionEventInvokeConfig", update: "PutFunctionEventInvokeConfig" },
  /** A setting of the function: named after it. */
  name: (target: DeployTarget) => target.names.function,

  /** Undefined when it (or the function) does not exist. */
  async read(aws, target) {
    const { GetFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
    const lambda = await aws.client("lambda");
    const out = await readOrUndefined(() => lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: target.names.function })), NOT_FOUND.resource);
    if (!out) return undefined;
    // AWS may return an empty object for a destination that is not set.
    return {
      MaximumRetryAttempts: out.MaximumRetryAttempts,
      MaximumEventAgeInSeconds: out.MaximumEventAgeInSeconds,
      OnFailure: out.DestinationConfig?.OnFailure?.Destination || undefined,
      OnSuccess: out.DestinationConfig?.OnSuccess?.Destination || undefined,
    };
  },

  desired: (target) => ({ ...ASYNC_INVOKE_POLICY, OnFailure: deadLetterQueue.arn(target), OnSuccess: undefined }),
  diff: (current, desired) => diffAsyncInvoke(current, desired),
  notes: () => ["A scheduled run whose handler throws is retried twice by Lambda, then its invocation record goes to the dead-letter queue."],

  async apply(aws, target, { desired }) {
    const lambda = await aws.client("lambda");
    const { PutFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
    // Lambda checks the role may send to the destination: a just-changed policy may need a moment.
    await retryWhileRoleNotReady(() =>
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: target.names.function,
          MaximumRetryAttempts: desired!.MaximumRetryAttempts,
          MaximumEventAgeInSeconds: desired!.MaximumEventAgeInSeconds,
          DestinationConfig: { OnFailure: { Destination: desired!.OnFailure } },
        }),
      ),
    );
  },

  async remove(aws, target) {
    const { DeleteFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
    const lambda = await aws.client("lambda");
    return deleteIfExists(() => lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: target.names.function })), NOT_FOUND.resource);
  },

  describe: (config) =>
    config
      ? {
          present: true,
          details: {
            retries: config.MaximumRetryAttempts ?? 2,
            maxEventAgeSeconds: config.MaximumEventAgeInSeconds ?? 21600,
            onFailure: config.OnFailure?.split(":").pop() ?? "none",
          },
        }
      : MISSING,
} satisfies DeployedResource<AsyncInvokeState, DesiredAsyncInvoke>;
