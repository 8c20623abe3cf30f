/**
 * What a handler finds in its environment, the same locally and in AWS: the
 * settings that are not deploy settings, the user's own keys from .env, and
 * LETSGO_DEPLOYMENT. `deploy` splits this into plain variables (the settings
 * not marked secret, and the names LETSGO_WORKER_PLAIN_ENV lists) and SSM
 * secrets (everything else), and the runtime puts the secrets back into
 * process.env before the first message; `dev` hands all of it to the handler
 * process. Either way a handler sees the same variables with the same values.
 * Deploy settings (LETSGO_WORKER_VISIBILITY_TIMEOUT, LETSGO_WORKER_PLAIN_ENV, ...)
 * describe the infrastructure and are in neither.
 */
import os from "node:os";
import path from "node:path";
import { DEPLOYED_NODE_MAJOR } from "../image/dockerfile.js";
import { resourceNames } from "./names.js";
import { SETTING_KEYS, isDeploySetting, type Settings } from "./settings.js";

/** Keys Lambda refuses in a function's environment: its runtime sets them itself. */
const LAMBDA_RESERVED = /^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$|TZ$)/;

export function isLambdaReservedKey(key: string): boolean {
  return LAMBDA_RESERVED.test(key);
}

/**
 * What Lambda sets in a Node.js container-image function's environment, for
 * this worker's function (AWS's "Defined runtime environment variables", the
 * reserved ones and the unreserved defaults), as dev gives its handler
 * processes. `taskRoot` is where the code is: /var/task in Lambda, the folder
 * holding the bundle under dev; /var/lang/bin, where Lambda's node is, is the
 * local node's folder (`inImage`: in a container of the image, Lambda's own PATH). Not here: AWS_LAMBDA_LOG_STREAM_NAME (one per process:
 * the handler process sets it), _X_AMZN_TRACE_ID (per invocation: likewise),
 * AWS_LAMBDA_RUNTIME_API (dev's processes take invocations over IPC), and the
 * role's credentials (see withoutAmbientAwsCredentials).
 */
/** PATH in Lambda's Node images: their node is in /var/lang/bin. */
export const LAMBDA_IMAGE_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";

export function lambdaRuntimeVariables(settings: Settings, region = functionRegion(settings), taskRoot = "/var/task", inImage = false): Record<string, string> {
  const names = resourceNames(settings.LETSGO_DEPLOYMENT);
  return {
    TZ: ":UTC",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${DEPLOYED_NODE_MAJOR}.x`,
    AWS_LAMBDA_FUNCTION_NAME: names.function,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.LETSGO_WORKER_MEMORY),
    AWS_LAMBDA_LOG_GROUP_NAME: names.logGroup,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: "/var/runtime",
    _HANDLER: "index.handler",
    LANG: "en_US.UTF-8",
    PATH: inImage ? LAMBDA_IMAGE_PATH : [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin/", "/bin", "/opt/bin"].join(path.delimiter),
    LD_LIBRARY_PATH: ["/var/lang/lib", "/lib64", "/usr/lib64", "/var/runtime", "/var/runtime/lib", taskRoot, `${taskRoot}/lib`, "/opt/lib"].join(":"),
    NODE_PATH: [`/opt/nodejs/node${DEPLOYED_NODE_MAJOR}/node_modules`, "/opt/nodejs/node_modules", "/var/runtime/node_modules"].join(":"),
  };
}

/**
 * The region the function runs in when deployed from this shell: AWS_REGION,
 * which the SDK reads first and so `deploy` too, else LETSGO_WORKER_REGION.
 * (`deploy` would also read a profile's region from ~/.aws/config; dev does
 * not: set AWS_REGION or LETSGO_WORKER_REGION to match.)
 */
export function functionRegion(settings: Settings, env: Record<string, string | undefined> = process.env): string {
  return env.AWS_REGION?.trim() || settings.LETSGO_WORKER_REGION;
}

/**
 * Variables that keep the developer's own AWS identity away from the AWS SDK
 * (its credential chain would otherwise read ~/.aws and ask the EC2 metadata
 * service): in Lambda a handler has the function's role and nothing else.
 */
export function withoutAmbientAwsCredentials(): Record<string, string> {
  return { AWS_SHARED_CREDENTIALS_FILE: os.devNull, AWS_CONFIG_FILE: os.devNull, AWS_EC2_METADATA_DISABLED: "true" };
}

export function handlerEnvironment(settings: Settings, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    if (isDeploySetting(key)) continue;
    const value = String(settings[key]);
    if (value !== "") env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value !== "" && !isDeploySetting(key)) env[key] = value;
  }
  env.LETSGO_DEPLOYMENT = settings.LETSGO_DEPLOYMENT;
  return env;
}
