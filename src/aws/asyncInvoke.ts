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
import type { Aws } from "./clients.js";
import { diffFields, type FieldChange } from "./diff.js";
import { retryWhileRoleNotReady } from "./retry.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

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

export function desiredAsyncInvoke(target: DeployTarget): DesiredAsyncInvoke {
  return { ...ASYNC_INVOKE_POLICY, OnFailure: target.arns.deadLetterQueue, OnSuccess: undefined };
}

export function diffAsyncInvoke(current: AsyncInvokeState | undefined, desired: DesiredAsyncInvoke): FieldChange[] {
  if (!current) return [];
  return diffFields(current as Record<string, unknown>, desired as unknown as Record<string, unknown>);
}

/** The function's async invoke config, or undefined when it (or the function) does not exist. */
export async function readAsyncInvoke(aws: Aws, functionName: string): Promise<AsyncInvokeState | undefined> {
  const { GetFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
  let out;
  try {
    out = await (await aws.client("lambda")).send(new GetFunctionEventInvokeConfigCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
  // AWS may return an empty object for a destination that is not set.
  return {
    MaximumRetryAttempts: out.MaximumRetryAttempts,
    MaximumEventAgeInSeconds: out.MaximumEventAgeInSeconds,
    OnFailure: out.DestinationConfig?.OnFailure?.Destination || undefined,
    OnSuccess: out.DestinationConfig?.OnSuccess?.Destination || undefined,
  };
}

export async function planAsyncInvoke(aws: Aws, target: DeployTarget): Promise<PlannedStep> {
  const resource = "Lambda async invoke config";
  const name = target.names.function;
  const desired = desiredAsyncInvoke(target);
  const current = await inStep(resource, "reading the async invoke config", () => readAsyncInvoke(aws, name));
  const changes = diffAsyncInvoke(current, desired);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const notes = ["A scheduled run whose handler throws is retried twice by Lambda, then its invocation record goes to the dead-letter queue."];
  const step: PlannedStep = { id: "lambda-async", resource, name, action, changes, notes };
  if (action !== "unchanged") {
    step.apply = () =>
      inStep(resource, "PutFunctionEventInvokeConfig", async () => {
        const lambda = await aws.client("lambda");
        const { PutFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
        // Put replaces the whole config. Lambda checks the role may send to the destination: a just-changed policy may need a moment.
        await retryWhileRoleNotReady(() =>
          lambda.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: name,
              MaximumRetryAttempts: desired.MaximumRetryAttempts,
              MaximumEventAgeInSeconds: desired.MaximumEventAgeInSeconds,
              DestinationConfig: { OnFailure: { Destination: desired.OnFailure } },
            }),
          ),
        );
      });
  }
  return step;
}

export async function deleteAsyncInvoke(aws: Aws, functionName: string): Promise<boolean> {
  const { DeleteFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
  try {
    await (await aws.client("lambda")).send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: functionName }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}
