/**
 * Deterministic names for everything a deployment owns, in one place: deploy,
 * status, destroy, enqueue --aws and the local dev worker (whose event ARNs
 * mirror the cloud's) all derive names from here.
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

export function queueArn(region: string, account: string, queueName: string): string {
  return `arn:aws:sqs:${region}:${account}:${queueName}`;
}

export function scheduleArn(region: string, account: string, group: string, name: string): string {
  return `arn:aws:scheduler:${region}:${account}:schedule/${group}/${name}`;
}

/** Tags every resource carries, so a deployment's resources can be told apart. */
export function resourceTags(deployment: string, version: string): Record<string, string> {
  return { "letsgo:deployment": deployment, "letsgo:component": "worker", "letsgo-worker:version": version };
}
