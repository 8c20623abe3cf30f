/**
 * Deterministic names for everything a deployment owns, in one place: deploy,
 * status, destroy, enqueue --aws and the local dev worker (whose event ARNs
 * mirror the cloud's) all derive names from here. Every ARN is formed by `arn`.
 */
import { SettingsError } from "../errors.js";

/** The account id the local worker puts in ARNs (moto uses the same one). */
export const LOCAL_ACCOUNT_ID = "000000000000";

const DEPLOYMENT = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function checkDeploymentName(deployment: string): string {
  if (!DEPLOYMENT.test(deployment)) {
    throw new SettingsError(
      `Deployment name "${deployment}" must be 1-31 lowercase letters, digits or dashes, starting with a letter or digit.`,
    );
  }
  return deployment;
}

export function resourceNames(deployment: string) {
  const base = `letsgo-${checkDeploymentName(deployment)}-worker`;
  return {
    deployment,
    queue: base,
    deadLetterQueue: `${base}-dlq`,
    function: base,
    functionRole: `${base}-role`,
    schedulerRole: `${base}-scheduler-role`,
    scheduleGroup: `letsgo-${deployment}`,
    schedule: base,
    repository: base,
    /** Local image name; the tag is the content hash of the build. */
    image: `letsgo-worker-${deployment}`,
    logGroup: `/aws/lambda/${base}`,
    ssmPrefix: `/letsgo/${deployment}/worker/`,
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;

export interface ArnParts {
  /** `aws`, `aws-cn`, `aws-us-gov`: the caller's, never assumed. */
  partition: string;
  service: string;
  /** Empty for global services (IAM). */
  region: string;
  account: string;
  /** What follows the account: `function:name`, `role/name`, a queue name. */
  resource: string;
}

/** The one place an ARN is formed. */
export function arn({ partition, service, region, account, resource }: ArnParts): string {
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

export function queueArn(region: string, account: string, queueName: string, partition = "aws"): string {
  return arn({ partition, service: "sqs", region, account, resource: queueName });
}

export function scheduleArn(region: string, account: string, group: string, name: string, partition = "aws"): string {
  return arn({ partition, service: "scheduler", region, account, resource: `schedule/${group}/${name}` });
}

export function functionArn(region: string, account: string, functionName: string, partition = "aws"): string {
  return arn({ partition, service: "lambda", region, account, resource: `function:${functionName}` });
}

/** Tags every resource carries, so a deployment's resources can be told apart. */
export function resourceTags(deployment: string, version: string): Record<string, string> {
  return { "letsgo:deployment": deployment, "letsgo:component": "worker", "letsgo-worker:version": version };
}
