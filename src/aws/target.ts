/**
 * Where a deployment lives, in one value: its settings, the caller's account,
 * partition and region, the names from src/project/names.ts and the tags every
 * resource carries. Each resource module in src/aws/resources derives its ARN
 * from this, so the plan for a fresh account is complete before anything exists.
 */
import { resourceNames, resourceTags, type ResourceNames } from "../project/names.js";
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
  /** Where images are pushed: LETSGO_WORKER_REGISTRY, or the account's ECR registry. */
  registry: string;
}

/** The DNS suffix of a partition's service endpoints. */
export function awsDomain(partition: string): string {
  return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

export function buildTarget(settings: Settings, identity: Identity, region: string): DeployTarget {
  const deployment = settings.LETSGO_DEPLOYMENT;
  const { account, partition } = identity;
  return {
    deployment,
    region,
    account,
    partition,
    names: resourceNames(deployment),
    tags: resourceTags(deployment, VERSION),
    settings,
    registry: settings.LETSGO_WORKER_REGISTRY || `${account}.dkr.ecr.${region}.${awsDomain(partition)}`,
  };
}

/**
 * The account and partition an ARN names (`arn:<partition>:<service>:<region>:<account>:...`),
 * or undefined when it names no account. An ARN that a read of the caller's own
 * resources returned names the caller's account, as STS would.
 */
export function identityFromArn(value: string | undefined): Identity | undefined {
  const [prefix, partition, , , account] = (value ?? "").split(":");
  return prefix === "arn" && partition && account && /^\d{12}$/.test(account) ? { account, partition } : undefined;
}

/** The image URI the function runs for a given tag. */
export function imageUri(target: DeployTarget, tag: string): string {
  return `${target.registry}/${target.names.repository}:${tag}`;
}
