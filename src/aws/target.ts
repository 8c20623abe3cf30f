/**
 * Everything a deployment's resources are called, in one value: names from
 * src/project/names.ts, ARNs from the caller's account, partition and region.
 * ARNs are derived rather than read back, so the plan for a fresh account is
 * complete before anything exists.
 */
import { resourceNames, resourceTags, queueArn, type ResourceNames } from "../project/names.js";
import type { Settings } from "../project/settings.js";
import { VERSION } from "../version.js";
import type { Identity } from "./clients.js";

export interface DeployTarget {
  deployment: string;
  region: string;
  account: string;
  partition: string;
  names: ResourceNames;
  tags: Record<string, string>;
  settings: Settings;
  arns: {
    queue: string;
    deadLetterQueue: string;
    function: string;
    functionRole: string;
    schedulerRole: string;
    logGroup: string;
    /** The SSM path holding the function's secrets (no trailing slash). */
    secretsPath: string;
    repository: string;
  };
  /** The queue URL as AWS forms it; handed to the function for follow-up messages. */
  queueUrl: string;
  /** Where images are pushed: LETSGO_WORKER_REGISTRY, or the account's ECR registry. */
  registry: string;
}

function dnsSuffix(partition: string): string {
  return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

export function buildTarget(settings: Settings, identity: Identity, region: string): DeployTarget {
  const deployment = settings.LETSGO_DEPLOYMENT;
  const names = resourceNames(deployment);
  const { account, partition } = identity;
  const arn = (service: string, resource: string, withRegion = true) =>
    `arn:${partition}:${service}:${withRegion ? region : ""}:${account}:${resource}`;
  const suffix = dnsSuffix(partition);
  return {
    deployment,
    region,
    account,
    partition,
    names,
    tags: resourceTags(deployment, VERSION),
    settings,
    arns: {
      queue: queueArn(region, account, names.queue).replace(/^arn:aws:/, `arn:${partition}:`),
      deadLetterQueue: queueArn(region, account, names.deadLetterQueue).replace(/^arn:aws:/, `arn:${partition}:`),
      function: arn("lambda", `function:${names.function}`),
      functionRole: arn("iam", `role/${names.functionRole}`, false),
      schedulerRole: arn("iam", `role/${names.schedulerRole}`, false),
      logGroup: arn("logs", `log-group:${names.logGroup}`),
      secretsPath: arn("ssm", `parameter${names.ssmPrefix.replace(/\/$/, "")}`),
      repository: arn("ecr", `repository/${names.repository}`),
    },
    queueUrl: `https://sqs.${region}.${suffix}/${account}/${names.queue}`,
    registry: settings.LETSGO_WORKER_REGISTRY || `${account}.dkr.ecr.${region}.${suffix}`,
  };
}

/** The image URI the function runs for a given tag. */
export function imageUri(target: DeployTarget, tag: string): string {
  return `${target.registry}/${target.names.repository}:${tag}`;
}
