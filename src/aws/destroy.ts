/**
 * `destroy`: remove the deployment's resources, dependents first. Every delete
 * treats "already gone" as done, so a second run after a partial failure
 * finishes the job. With `keepData`, the queues (and their messages), the image
 * repository and the function's logs stay.
 */
import { LetsgoError, ServiceError, errorMessage } from "../errors.js";
import { deleteAsyncInvoke, readAsyncInvoke } from "./asyncInvoke.js";
import type { Aws } from "./clients.js";
import { deleteRepository, readRepository } from "./ecr.js";
import { awsFailureReason, isAwsFailure } from "./failure.js";
import { deleteMapping, readMapping } from "./eventSourceMapping.js";
import { deleteRole, readRole } from "./iam.js";
import { deleteFunction, readFunction } from "./lambda.js";
import { deleteSchedule, deleteScheduleGroup, readSchedule, readScheduleGroup } from "./scheduler.js";
import { withAws, type AwsCommandOptions } from "./session.js";
import { deleteQueue, readQueue } from "./sqs.js";
import { deleteSecrets, readSecrets } from "./ssm.js";
import { isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

export interface DestroyItem {
  resource: string;
  name: string;
  /** Data kept by --keep-data. */
  keep: boolean;
  exists(): Promise<boolean>;
  remove(): Promise<boolean>;
}

export interface DestroyOptions extends AwsCommandOptions {
  keepData?: boolean;
  /** Asked with the resources that exist; false cancels. Omitted: no question. */
  confirm?: (existing: Array<{ resource: string; name: string }>) => Promise<boolean>;
  onProgress?: (event: { resource: string; name: string; outcome: "deleted" | "absent" | "kept" | "failed"; message?: string }) => void;
}

export interface DestroyResult {
  cancelled: boolean;
  items: Array<{ resource: string; name: string; outcome: "deleted" | "absent" | "kept" }>;
}

async function deleteLogGroup(aws: Aws, name: string): Promise<boolean> {
  const { DeleteLogGroupCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  try {
    await (await aws.client("logs")).send(new DeleteLogGroupCommand({ logGroupName: name }));
    return true;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return false;
    throw error;
  }
}

async function logGroupExists(aws: Aws, name: string): Promise<boolean> {
  const { DescribeLogGroupsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  const out = await (await aws.client("logs")).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  return (out.logGroups ?? []).some((group) => group.logGroupName === name);
}

export function destroyItems(aws: Aws, target: DeployTarget, keepData: boolean): DestroyItem[] {
  const n = target.names;
  return [
    { resource: "Schedule", name: `${n.scheduleGroup}/${n.schedule}`, keep: false, exists: async () => !!(await readSchedule(aws, target)), remove: () => deleteSchedule(aws, target) },
    { resource: "Schedule group", name: n.scheduleGroup, keep: false, exists: async () => !!(await readScheduleGroup(aws, n.scheduleGroup)), remove: () => deleteScheduleGroup(aws, n.scheduleGroup) },
    { resource: "Event source mapping", name: `${n.queue} → ${n.function}`, keep: false, exists: async () => !!(await readMapping(aws, target)), remove: () => deleteMapping(aws, target) },
    { resource: "Lambda async invoke config", name: n.function, keep: false, exists: async () => !!(await readAsyncInvoke(aws, n.function)), remove: () => deleteAsyncInvoke(aws, n.function) },
    { resource: "Lambda function", name: n.function, keep: false, exists: async () => !!(await readFunction(aws, n.function)), remove: () => deleteFunction(aws, n.function) },
    { resource: "SSM secrets", name: n.ssmPrefix, keep: false, exists: async () => Object.keys(await readSecrets(aws, n.ssmPrefix)).length > 0, remove: async () => (await deleteSecrets(aws, n.ssmPrefix)) > 0 },
    { resource: "IAM function role", name: n.functionRole, keep: false, exists: async () => !!(await readRole(aws, n.functionRole)), remove: () => deleteRole(aws, n.functionRole) },
    { resource: "IAM scheduler role", name: n.schedulerRole, keep: false, exists: async () => !!(await readRole(aws, n.schedulerRole)), remove: () => deleteRole(aws, n.schedulerRole) },
    { resource: "SQS queue", name: n.queue, keep: keepData, exists: async () => !!(await readQueue(aws, n.queue)), remove: () => deleteQueue(aws, n.queue) },
    { resource: "SQS dead-letter queue", name: n.deadLetterQueue, keep: keepData, exists: async () => !!(await readQueue(aws, n.deadLetterQueue)), remove: () => deleteQueue(aws, n.deadLetterQueue) },
    { resource: "ECR repository", name: n.repository, keep: keepData, exists: async () => !!(await readRepository(aws, n.repository)), remove: () => deleteRepository(aws, n.repository) },
    { resource: "Log group", name: n.logGroup, keep: keepData, exists: () => logGroupExists(aws, n.logGroup), remove: () => deleteLogGroup(aws, n.logGroup) },
  ];
}

export async function destroyDeployment(options: DestroyOptions): Promise<DestroyResult> {
  return withAws(options, "Destroying the deployment", async ({ aws, target }) => {
    const items = destroyItems(aws, target, options.keepData === true);
    if (options.confirm) {
      const present = await Promise.all(items.map(async (item) => ((await item.exists()) && !item.keep ? item : undefined)));
      const existing = present.filter((item): item is DestroyItem => item !== undefined).map(({ resource, name }) => ({ resource, name }));
      if (existing.length > 0 && !(await options.confirm(existing))) return { cancelled: true, items: [] };
    }
    const results: DestroyResult["items"] = [];
    for (const item of items) {
      if (item.keep) {
        results.push({ resource: item.resource, name: item.name, outcome: "kept" });
        options.onProgress?.({ resource: item.resource, name: item.name, outcome: "kept" });
        continue;
      }
      try {
        const outcome = (await item.remove()) ? "deleted" : "absent";
        results.push({ resource: item.resource, name: item.name, outcome });
        options.onProgress?.({ resource: item.resource, name: item.name, outcome });
      } catch (error) {
        options.onProgress?.({ resource: item.resource, name: item.name, outcome: "failed", message: errorMessage(error) });
        if (error instanceof LetsgoError) throw error;
        throw new ServiceError(
          `Destroy stopped at ${item.resource} ${item.name}: ${isAwsFailure(error) ? awsFailureReason(error) : errorMessage(error)}\nRun destroy again to finish: resources already removed are skipped.`,
          { cause: error },
        );
      }
    }
    return { cancelled: false, items: results };
  });
}
