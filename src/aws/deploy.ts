/**
 * `deploy`: check the settings, read what exists, work out the plan, and
 * (unless it is a dry run) apply the steps in order. The plan walks RESOURCES
 * (src/aws/resources) forward, with the image push right after the repository.
 * Every step re-reads AWS before it is planned, so a run after an interrupted
 * one simply carries on where that one stopped.
 *
 * The repository is read first, before the target exists: its ARN names the
 * caller's account and partition, so a redeploy asks STS nothing
 * (`readRepositoryFirst`), and the plan does not read it again.
 *
 * Before anything is planned: a project without apps/worker/.env is said so
 * (and not deployed from the defaults alone: src/project/settingsSource.ts); a
 * build flag the function could not run is refused; `--image` must be in the
 * deployment's registry and of the function's architecture (src/aws/deployImage.ts).
 */
import type Docker from "dockerode";
import { ServiceError, UsageError, errorMessage } from "../errors.js";
import { architectureForPlatform, platformForArchitecture, type ImagePlatform, type LambdaArchitecture } from "../image/platform.js";
import { workerPaths } from "../project/paths.js";
import type { LoadedSettings, Settings } from "../project/settings.js";
import { resourceNames } from "../project/names.js";
import type { Aws } from "./clients.js";
import { functionEnvironment, type FunctionEnvironment } from "./environment.js";
import { asServiceError, isAwsFailure } from "./failure.js";
import { inApplyOrder, isUpToDate, pendingSteps, type DeployPlan } from "./plan.js";
import { planImagePush } from "./push.js";
import { Planner, RESOURCES, isDeployed, repository, workQueue, type DeployedResource } from "./resources/index.js";
import { readRepository, type RepositoryState } from "./resources/repository.js";
import { connect, loadCommandSettings, type AwsCommandOptions } from "./session.js";
import { missingEnvFileWarning, readSettingsSource, refuseDefaultsAlone } from "../project/settingsSource.js";
import type { PlannedStep } from "./step.js";
import { identityFromArn, imageUri, type DeployTarget } from "./target.js";

export { connect, type AwsCommandOptions } from "./session.js";

export interface DeployOptions extends AwsCommandOptions {
  /** Deploy this image URI instead of building and pushing one: it must be in the deployment's registry, of the function's architecture. */
  image?: string;
  /** With `image`: do not read its architecture (the plan warns). */
  skipArchitectureCheck?: boolean;
  /** Base image for the build (default public.ecr.aws/lambda/nodejs:22). */
  baseImage?: string;
  /** Platform of the build; must be LETSGO_WORKER_ARCHITECTURE's (the default), or the function could not run the image. */
  platform?: ImagePlatform;
  /** Only planning (a dry run): a project with neither apps/worker/.env nor exported settings may be planned, with a warning. */
  planOnly?: boolean;
  /** Docker engine for build and push (and the --image check's fallback); default: DOCKER_HOST or the local socket. */
  docker?: Docker;
  /** Type-check the worker before building its image (default true; --no-typecheck). */
  typecheck?: boolean;
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

const DEPLOYED: ReadonlyArray<DeployedResource<any, any>> = RESOURCES.filter(isDeployed);

/** Checks that need no AWS call, from every resource: fail before touching anything. Returns warnings. */
export function validateDeploySettings(settings: Settings): string[] {
  return DEPLOYED.flatMap((resource) => resource.check?.(settings) ?? []);
}

/** The function's environment: apps/worker/.env as the function will see it, secrets set apart. */
function environmentFor(loaded: Pick<LoadedSettings, "settings" | "extra">, target: DeployTarget): FunctionEnvironment {
  return functionEnvironment(loaded.settings, loaded.extra, {
    deployment: target.deployment,
    queueUrl: workQueue.url(target),
    secretsPrefix: target.names.ssmPrefix,
  });
}

/** Flags about the build that cannot work: checked before any AWS call. */
function checkBuildOptions(options: DeployOptions, settings: Settings): void {
  if (options.skipArchitectureCheck && !options.image) {
    throw new UsageError("--skip-architecture-check goes with --image: the image deploy builds itself is built for the function's architecture.");
  }
  if (options.image && (options.platform || options.baseImage)) {
    throw new UsageError("--platform and --base-image shape the image deploy builds; with --image nothing is built. Drop them, or drop --image.");
  }
  if (!options.platform) return;
  const architecture = settings.LETSGO_WORKER_ARCHITECTURE as LambdaArchitecture;
  const built = architectureForPlatform(options.platform);
  if (built === architecture) return;
  throw new UsageError(
    `--platform ${options.platform} builds an ${built} image, but the function runs ${architecture} (LETSGO_WORKER_ARCHITECTURE): ` +
      `Lambda would not run it. Drop --platform (deploy builds for ${platformForArchitecture(architecture)}), ` +
      `or set LETSGO_WORKER_ARCHITECTURE=${built} in apps/worker/.env.`,
  );
}

async function localImage(options: DeployOptions, target: DeployTarget) {
  const { buildImage, connectEngine } = await import("../image/index.js");
  const docker = options.docker ?? (await connectEngine()).docker;
  const built = await buildImage({
    cwd: options.cwd,
    deployment: target.deployment,
    baseImage: options.baseImage,
    platform: options.platform,
    docker,
    ...(options.typecheck === false ? { typecheck: false } : {}),
    onProgress: (event) => options.onProgress?.({ kind: "build", message: event.message }),
  });
  return { docker, built };
}

export async function prepareDeploy(options: DeployOptions): Promise<PreparedDeploy> {
  // Settings are read and checked once, before any AWS call, then used for the plan.
  const loaded = await loadCommandSettings(options);
  const warnings = validateDeploySettings(loaded.settings);
  checkBuildOptions(options, loaded.settings);
  const source = await readSettingsSource(workerPaths(options.cwd).root, loaded);
  const refuseFromDefaults = () => refuseDefaultsAlone(source, loaded, options.deployment);
  if (!options.planOnly) refuseFromDefaults();
  let readFirst: { repository: RepositoryState | undefined } | undefined;
  const { aws, target } = await connect(options, loaded, async (aws) => {
    readFirst = await readRepositoryFirst(aws, loaded);
    return identityFromArn(readFirst?.repository?.arn);
  });
  try {
    const envWarning = missingEnvFileWarning(source, loaded, target.region);
    if (envWarning) warnings.unshift(envWarning);
    if (options.image) {
      const { checkDeployImage } = await import("./deployImage.js");
      warnings.push(...(await checkDeployImage(aws, target, options.image, options)));
    }
    const planner = new Planner(aws, target, { image: options.image ?? "", environment: environmentFor(loaded, target) });
    if (readFirst) planner.know(repository, readFirst.repository);
    const steps: PlannedStep[] = [];
    for (const resource of DEPLOYED) {
      steps.push(await planner.plan(resource));
      if (resource === repository && !options.image) {
        const { docker, built } = await localImage(options, target);
        warnings.push(...built.warnings);
        planner.inputs.image = imageUri(target, built.tag);
        steps.push(
          await planImagePush(aws, target, {
            docker,
            local: { reference: built.reference, tag: built.tag },
            onLine: (message) => options.onProgress?.({ kind: "push", message }),
          }),
        );
      }
    }
    const plan: DeployPlan = {
      deployment: target.deployment,
      region: target.region,
      account: target.account,
      imageUri: planner.inputs.image,
      steps: inApplyOrder(steps),
      warnings,
    };
    return {
      plan,
      plannedQueue: { url: workQueue.url(target), arn: workQueue.arn(target) },
      apply: async () => {
        refuseFromDefaults(); // a plan made for a dry run is not applied from the defaults either
        return applyPlan(plan, options);
      },
      queue: () => deployedQueue(aws, target),
      close: () => aws.destroy(),
    };
  } catch (error) {
    aws.destroy();
    throw asServiceError(error, "Planning the deploy", target.region);
  }
}

/**
 * The repository, read before the target exists (its read needs only the name).
 * DescribeRepositories without a registry id reads the caller's own registry,
 * so the repository's ARN names the caller's account and partition, as
 * GetCallerIdentity would; with no repository yet, connect asks STS. A failed
 * read (undefined here) is made again by the plan, after STS has said plainly
 * whether the credentials are the problem.
 */
async function readRepositoryFirst(aws: Aws, loaded: LoadedSettings): Promise<{ repository: RepositoryState | undefined } | undefined> {
  try {
    return { repository: await readRepository(aws, resourceNames(loaded.settings.LETSGO_DEPLOYMENT).repository) };
  } catch (error) {
    if (!isAwsFailure(error)) throw error;
    return undefined;
  }
}

/**
 * Plan and apply some resources alone, as deploy would (tests make the queues
 * without a function, through which moto would consume their messages). For
 * resources whose desired state needs neither the image nor apps/worker/.env's
 * own keys.
 */
export async function applyResources(aws: Aws, target: DeployTarget, resources: ReadonlyArray<DeployedResource<any, any>>): Promise<PlannedStep[]> {
  const planner = new Planner(aws, target, { image: "", environment: environmentFor({ settings: target.settings, extra: {} }, target) });
  const steps: PlannedStep[] = [];
  for (const resource of resources) steps.push(await planner.plan(resource));
  for (const step of inApplyOrder(steps)) await step.apply?.();
  return steps;
}

async function deployedQueue(aws: Aws, target: DeployTarget): Promise<QueueAddress> {
  try {
    const { GetQueueUrlCommand } = await import("@aws-sdk/client-sqs");
    const out = await (await aws.client("sqs")).send(new GetQueueUrlCommand({ QueueName: workQueue.name(target) }));
    return { url: out.QueueUrl ?? workQueue.url(target), arn: workQueue.arn(target) };
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
