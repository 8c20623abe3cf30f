/**
 * What every AWS command starts with: the project's settings, checked before
 * any AWS call, clients for the right region and account, and the deployment's
 * target (src/aws/target.ts). `withAws` runs
 * a command's work with them, turns AWS failures into ServiceErrors and always
 * releases the clients.
 */
import { checkDeploymentName } from "../project/names.js";
import { loadSettings, type LoadedSettings } from "../project/settings.js";
import type { CallRecorder } from "./calls.js";
import { Aws, type Identity } from "./clients.js";
import { asServiceError } from "./failure.js";
import { buildTarget, type DeployTarget } from "./target.js";

export interface AwsCommandOptions {
  /** Project root (holding apps/worker). */
  cwd: string;
  region?: string;
  profile?: string;
  /** Overrides LETSGO_DEPLOYMENT from the environment and apps/worker/.env. */
  deployment?: string;
  /** Sees every AWS command sent (tests count the mutating ones). */
  recorder?: CallRecorder;
}

export interface AwsSession {
  aws: Aws;
  target: DeployTarget;
  loaded: LoadedSettings;
}

/** The settings with --deployment applied; every value, the deployment's name included, is checked here, before any AWS call. */
export async function loadCommandSettings(options: AwsCommandOptions): Promise<LoadedSettings> {
  const loaded = await loadSettings(options.cwd, { LETSGO_DEPLOYMENT: options.deployment });
  checkDeploymentName(loaded.settings.LETSGO_DEPLOYMENT);
  return loaded;
}

/**
 * Connect with the settings already loaded (`loaded`), or load them now. The caller must `aws.destroy()`.
 * `knownIdentity`: a read the command makes anyway whose answer names the caller's account and
 * partition (deploy reads its repository first); STS is asked only when it gives none.
 */
export async function connect(
  options: AwsCommandOptions,
  loaded?: LoadedSettings,
  knownIdentity?: (aws: Aws) => Promise<Identity | undefined>,
): Promise<AwsSession> {
  const settings = loaded ?? (await loadCommandSettings(options));
  const aws = await Aws.connect({
    region: options.region,
    profile: options.profile,
    fallbackRegion: settings.settings.LETSGO_WORKER_REGION,
    recorder: options.recorder,
  });
  try {
    const identity = (await knownIdentity?.(aws)) ?? (await aws.identity());
    const target = buildTarget(settings.settings, identity, aws.region);
    return { aws, target, loaded: settings };
  } catch (error) {
    aws.destroy();
    throw error;
  }
}

/**
 * Connect, run `work`, release the clients. An AWS failure inside `work`
 * becomes a ServiceError naming `doing` and the region.
 */
export async function withAws<T>(
  options: AwsCommandOptions,
  doing: string,
  work: (session: AwsSession) => Promise<T>,
  loaded?: LoadedSettings,
): Promise<T> {
  const session = await connect(options, loaded);
  try {
    return await work(session);
  } catch (error) {
    throw asServiceError(error, doing, session.aws.region);
  } finally {
    session.aws.destroy();
  }
}
