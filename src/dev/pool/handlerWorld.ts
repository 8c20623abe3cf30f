/**
 * The environment a dev handler process starts with: what Lambda gives a
 * container-image function, built from nothing, not from the developer's shell.
 *
 * - Lambda's own variables (lambdaRuntimeVariables: TZ, AWS_REGION,
 *   AWS_LAMBDA_*, _HANDLER, LANG, PATH...), LAMBDA_TASK_ROOT being the folder
 *   the handler runs in, which holds its bundle;
 * - the function's configuration, as deploy gives it (handlerEnvironment: the
 *   handler's settings and apps/worker/.env's own keys, Lambda's reserved keys
 *   left out), which may override the unreserved ones (LANG, PATH...) as in Lambda;
 * - what dev itself needs (DEV_HANDLER_VARIABLES): the local queue's URL, and
 *   no way for the AWS SDK to find the developer's identity;
 * - from the shell, only what the developer asks for: --aws-credentials (their
 *   AWS_* identity and HOME, for ~/.aws) and --pass-env NAME (named variables).
 * _X_AMZN_TRACE_ID is set per invocation by the handler process, and
 * AWS_LAMBDA_LOG_STREAM_NAME once per process, as Lambda does.
 */
import { functionRegion, handlerEnvironment, isLambdaReservedKey, lambdaRuntimeVariables, withoutAmbientAwsCredentials } from "../../project/handlerEnvironment.js";
import type { Settings } from "../../project/settings.js";
import { LOCAL_QUEUE_URL_ENV, QUEUE_URL_ENV } from "../../queue/constants.js";
import { UsageError } from "../../errors.js";
import { OWNER_TAG_ENV } from "./handlerDescendants.js";

/** The variables dev adds to Lambda's, and why: the README lists them. */
export const DEV_HANDLER_VARIABLES = {
  [LOCAL_QUEUE_URL_ENV]: "the handler's enqueue() reaches this dev worker",
  LETSGO_WORKER_LOCAL: "1: the runtime leaves out the outcome lines dev prints itself",
  [OWNER_TAG_ENV]: "set per handler process, inherited by what it starts: dev ends those processes with it",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null, without --aws-credentials: no identity from ~/.aws",
  AWS_CONFIG_FILE: "/dev/null, without --aws-credentials",
  AWS_EC2_METADATA_DISABLED: "true, without --aws-credentials: no identity from the instance metadata service",
} as const;

/** The shell variables --aws-credentials passes: the AWS SDK's identity and where it reads ~/.aws. */
const AWS_IDENTITY = /^(AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SHARED_CREDENTIALS_FILE|CONFIG_FILE|CA_BUNDLE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|ROLE_SESSION_NAME)|HOME)$/;

export interface HandlerWorldOptions {
  /** The dev worker's URL: LETSGO_LOCAL_QUEUE_URL. */
  url: string;
  /** The folder the handler runs in, holding its bundle: LAMBDA_TASK_ROOT and the process's cwd. */
  taskRoot: string;
  /** --aws-credentials: the developer's AWS identity instead of none. */
  awsCredentials?: boolean;
  /** --pass-env: names (or `PREFIX_*` patterns) of shell variables the handler also gets. */
  passEnv?: readonly string[];
  /** The shell; default process.env. */
  shell?: NodeJS.ProcessEnv;
  /** The handler runs in a container of the image (dev --image): Lambda's PATH, not this machine's. */
  inImage?: boolean;
}

export function handlerWorldEnv(settings: Settings, extra: Record<string, string>, options: HandlerWorldOptions): Record<string, string> {
  const shell = options.shell ?? process.env;
  const env: Record<string, string> = { ...lambdaRuntimeVariables(settings, functionRegion(settings, shell), options.taskRoot, options.inImage) };
  for (const [key, value] of Object.entries(handlerEnvironment(settings, extra))) if (!isLambdaReservedKey(key)) env[key] = value;
  // A handler's enqueue() reaches this dev worker, never a deployed queue.
  delete env[QUEUE_URL_ENV];
  env[LOCAL_QUEUE_URL_ENV] = options.url;
  env.LETSGO_WORKER_LOCAL = "1";
  if (options.awsCredentials) {
    for (const [key, value] of Object.entries(shell)) if (value !== undefined && AWS_IDENTITY.test(key)) env[key] = value;
  } else {
    Object.assign(env, withoutAmbientAwsCredentials());
  }
  for (const pattern of options.passEnv ?? []) {
    for (const [key, value] of Object.entries(shell)) if (value !== undefined && matchesName(pattern, key)) env[key] = value;
  }
  return env;
}

function matchesName(pattern: string, key: string): boolean {
  return pattern.endsWith("*") ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

/**
 * --pass-env's names, checked: a name or a `PREFIX_*` pattern, never one Lambda
 * sets itself (it would not reach a deployed function either) nor AWS_* (that is
 * --aws-credentials).
 */
export function parsePassEnv(values: readonly string[]): string[] {
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) throw new UsageError(`--pass-env takes variable names or PREFIX_* patterns, got "${name}".`);
    if (name.startsWith("AWS_") || name === "*") throw new UsageError(`--pass-env ${name}: the AWS identity goes with --aws-credentials, and the whole shell never does.`);
    if (isLambdaReservedKey(name.replace(/\*$/, ""))) throw new UsageError(`--pass-env ${name}: Lambda sets ${name} itself; a deployed function could not get yours.`);
  }
  return names;
}

/** Keys of apps/worker/.env that Lambda reserves: deploy leaves them out of the function, and dev out of the handler. */
export function reservedEnvKeys(extra: Record<string, string>): string[] {
  return Object.keys(extra).filter(isLambdaReservedKey).sort();
}
