/**
 * `deploy`: read what exists, work out the plan, and (unless it is a dry run)
 * apply the steps in order. Every step re-reads AWS before it is planned, so a
 * run after an interrupted one simply carries on where that one stopped.
 */
import type Docker from "dockerode";
import { ServiceError, errorMessage } from "../errors.js";
import type { Settings } from "../project/settings.js";
import { parseScheduleSetting } from "../schedule/index.js";
import { planAsyncInvoke } from "./asyncInvoke.js";
import type { Aws } from "./clients.js";
import { planRepository } from "./ecr.js";
import { functionEnvironment, withSecretsVersion } from "./environment.js";
import { planMapping } from "./eventSourceMapping.js";
import { asServiceError } from "./failure.js";
import { functionRole, planRole, schedulerRole } from "./iam.js";
import { desiredFunction, planFunction } from "./lambda.js";
import { isUpToDate, pendingSteps, type DeployPlan } from "./plan.js";
import { planImagePush } from "./push.js";
import { desiredSchedule, planSchedule, planScheduleGroup } from "./scheduler.js";
import { connect, loadCommandSettings, type AwsCommandOptions } from "./session.js";
import { checkQueueTiming, planDeadLetterQueue, planWorkQueue } from "./sqs.js";
import { planSecrets } from "./ssm.js";
import type { PlannedStep } from "./step.js";
import { imageUri, type DeployTarget } from "./target.js";

export { connect, type AwsCommandOptions } from "./session.js";

export interface DeployOptions extends AwsCommandOptions {
  /** Deploy this image URI instead of building and pushing one. */
  image?: string;
  /** Base image for the build (tests use a local one). */
  baseImage?: string;
  /** Docker engine for build and push; default: DOCKER_HOST or the local socket. */
  docker?: Docker;
  onProgress?: (event: DeployProgress) => void;
}

export type DeployProgress =
  | { kind: "build"; message: string }
  | { kind: "step"; status: "start" | "done" | "failed"; step: string; resource: string; name: string; message?: string }
  | { kind: "push"; message: string };

/** Where the app sends work: LETSGO_WORKER_QUEUE_URL, and the ARN its IAM policy names. */
export interface QueueAddress {
  url: string;
  arn: string;
}

export interface PreparedDeploy {
  plan: DeployPlan;
  /** The work queue as this deploy names it, derived before anything exists (for a dry run: what it will be). */
  plannedQueue: QueueAddress;
  /** Apply the plan's pending steps in order. */
  apply(): Promise<DeployResult>;
  /** The work queue's URL as SQS reports it, with its ARN: call after apply, or when the plan is up to date. */
  queue(): Promise<QueueAddress>;
  /** Release the AWS clients. */
  close(): void;
}

export interface DeployResult {
  upToDate: boolean;
  applied: Array<{ step: string; resource: string; name: string; action: string; outcome?: string }>;
  imageUri: string;
}

/** Checks that need no AWS call: fail before touching anything. */
export function validateDeploySettings(settings: Settings): string[] {
  const warnings = checkQueueTiming(settings);
  parseScheduleSetting(settings.LETSGO_WORKER_SCHEDULE, settings.LETSGO_WORKER_SCHEDULE_TIMEZONE);
  return warnings;
}

async function localImage(options: DeployOptions, target: DeployTarget) {
  const { buildImage, connectEngine } = await import("../image/index.js");
  const docker = options.docker ?? (await connectEngine()).docker;
  const built = await buildImage({
    cwd: options.cwd,
    deployment: target.deployment,
    baseImage: options.baseImage,
    docker,
    onProgress: (event) => options.onProgress?.({ kind: "build", message: event.message }),
  });
  return { docker, built };
}

export async function prepareDeploy(options: DeployOptions): Promise<PreparedDeploy> {
  // Settings are read once: checked before any AWS call, then used for the plan.
  const loaded = await loadCommandSettings(options);
  const warnings = validateDeploySettings(loaded.settings);
  const { aws, target } = await connect(options, loaded);
  try {
    const steps: PlannedStep[] = [];
    steps.push(await planRepository(aws, target));

    let uri: string;
    if (options.image) {
      uri = options.image;
    } else {
      const { docker, built } = await localImage(options, target);
      uri = imageUri(target, built.tag);
      steps.push(
        await planImagePush(aws, target, {
          docker,
          local: { reference: built.reference, tag: built.tag },
          onLine: (message) => options.onProgress?.({ kind: "push", message }),
        }),
      );
    }

    const env = functionEnvironment(loaded.settings, loaded.extra, {
      deployment: target.deployment,
      queueUrl: target.queueUrl,
      secretsPrefix: target.names.ssmPrefix,
    });
    const hasSecrets = Object.keys(env.secrets).length > 0;
    const secrets = await planSecrets(aws, target, env.secrets);
    steps.push(secrets.step);
    steps.push(await planRole(aws, target, "iam-function", "IAM function role", functionRole(target, hasSecrets)));
    steps.push(await planRole(aws, target, "iam-scheduler", "IAM scheduler role", schedulerRole(target)));
    steps.push(await planDeadLetterQueue(aws, target));
    steps.push(await planWorkQueue(aws, target));
    const lambdaNotes = env.skipped.length > 0 ? [`Not passed to the function (Lambda reserves them): ${env.skipped.join(", ")}.`] : [];
    const variables = withSecretsVersion(env.variables, secrets.versions);
    steps.push(await planFunction(aws, target, desiredFunction(target, uri, variables), lambdaNotes));
    // After the function (it must exist) and the role (Lambda checks it may send to the DLQ).
    steps.push(await planAsyncInvoke(aws, target));
    steps.push(await planMapping(aws, target));
    const schedule = desiredSchedule(target);
    const group = await planScheduleGroup(aws, target, schedule !== undefined);
    const scheduleStep = await planSchedule(aws, target, schedule);
    // A group holds its schedule: create it first, delete it last.
    steps.push(...(schedule ? [group, scheduleStep] : [scheduleStep, group]));

    const plan: DeployPlan = { deployment: target.deployment, region: target.region, account: target.account, imageUri: uri, steps, warnings };
    return {
      plan,
      plannedQueue: { url: target.queueUrl, arn: target.arns.queue },
      apply: () => applyPlan(plan, options),
      queue: () => deployedQueue(aws, target),
      close: () => aws.destroy(),
    };
  } catch (error) {
    aws.destroy();
    throw asServiceError(error, "Planning the deploy", target.region);
  }
}

async function deployedQueue(aws: Aws, target: DeployTarget): Promise<QueueAddress> {
  try {
    const { GetQueueUrlCommand } = await import("@aws-sdk/client-sqs");
    const out = await (await aws.client("sqs")).send(new GetQueueUrlCommand({ QueueName: target.names.queue }));
    return { url: out.QueueUrl ?? target.queueUrl, arn: target.arns.queue };
  } catch (error) {
    throw asServiceError(error, "Reading the work queue's URL (the deploy itself is done)", target.region);
  }
}

export async function applyPlan(plan: DeployPlan, options: Pick<DeployOptions, "onProgress"> = {}): Promise<DeployResult> {
  const applied: DeployResult["applied"] = [];
  for (const step of pendingSteps(plan)) {
    const base = { kind: "step" as const, step: step.id, resource: step.resource, name: step.name };
    options.onProgress?.({ ...base, status: "start", message: step.action });
    try {
      const outcome = (await step.apply!()) || step.action;
      applied.push({ step: step.id, resource: step.resource, name: step.name, action: step.action, outcome });
      options.onProgress?.({ ...base, status: "done", message: outcome });
    } catch (error) {
      options.onProgress?.({ ...base, status: "failed", message: errorMessage(error) });
      throw new ServiceError(
        `Deploy stopped at step "${step.resource}" (${step.name}): ${errorMessage(error)}\n` +
          `Steps before it are done and kept. Fix the cause and run deploy again: it continues from here.`,
        { cause: error },
      );
    }
  }
  return { upToDate: isUpToDate(plan), applied, imageUri: plan.imageUri };
}
