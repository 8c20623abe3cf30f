/**
 * AWS failing is ordinary: a wrong region, an endpoint that is down, a missing
 * permission. Such failures reach the user as a ServiceError (exit 1) that says
 * what was being done and what to check, never as an "internal bug" (exit 70)
 * with a stack. Anything else (a TypeError in our own code) is still a bug and
 * is left alone.
 */
import { LetsgoError, ServiceError, errorMessage } from "../errors.js";

/** Node's network errors, as the SDK passes them on after its own retries. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** SDK errors raised before or around a request rather than by a service. */
const SDK_ERROR_NAMES = new Set(["TimeoutError", "CredentialsProviderError", "ProviderError", "RequestTimeout"]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  $fault?: string;
}

/** Did this come from the AWS SDK talking to an endpoint (a service answer, a bad reply, the network)? */
export function isAwsFailure(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as SdkErrorShape;
  return (
    e.$metadata !== undefined ||
    e.$response !== undefined ||
    e.$fault !== undefined ||
    (typeof e.code === "string" && NETWORK_CODES.has(e.code)) ||
    (typeof e.name === "string" && SDK_ERROR_NAMES.has(e.name))
  );
}

/** One readable line for an AWS failure: the service's reason, or what the reply was when it was not AWS's. */
export function awsFailureReason(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const first = errorMessage(error).split("\n")[0]!.trim();
  // A reply the SDK could not parse (an HTML error page, a proxy's answer) says nothing useful itself.
  if (errorMessage(error).includes("Deserialization error")) {
    return `the endpoint answered${status ? ` HTTP ${status}` : ""} with something that is not an AWS reply`;
  }
  const name = e.name && e.name !== "Error" && !first.includes(e.name) ? `${e.name}: ` : "";
  return `${name}${first}${status && status >= 400 && !first.includes(String(status)) ? ` (HTTP ${status})` : ""}`;
}

const HINT = "Check the region (--region, AWS_REGION), your credentials (--profile, AWS_PROFILE) and network, and AWS_ENDPOINT_URL if you set one.";

/** Is this error the AWS error with one of these names? */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { name?: string; Code?: string; __type?: string; code?: string };
  const candidates = [e.name, e.Code, e.code, e.__type?.split("#").pop()];
  return names.some((name) => candidates.includes(name));
}

/** How each service says "that does not exist". */
export const NOT_FOUND = {
  /** Lambda, Scheduler, CloudWatch Logs. */
  resource: ["ResourceNotFoundException"],
  queue: ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"],
  iam: ["NoSuchEntity", "NoSuchEntityException"],
  repository: ["RepositoryNotFoundException"],
  lifecyclePolicy: ["LifecyclePolicyNotFoundException"],
  image: ["ImageNotFoundException", "RepositoryNotFoundException"],
} as const;

/**
 * What `read` returns, or undefined when AWS answers that the thing does not
 * exist (`notFound`: the error names the service uses for that). Every
 * "does it exist?" in src/aws goes through here; any other failure is thrown.
 */
export async function readOrUndefined<T>(read: () => Promise<T>, notFound: readonly string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isAwsError(error, ...notFound)) return undefined;
    throw error;
  }
}

/** Run a delete: true when it deleted something, false when there was nothing to delete. */
export async function deleteIfExists(remove: () => Promise<unknown>, notFound: readonly string[]): Promise<boolean> {
  return (await readOrUndefined(async () => (await remove(), true), notFound)) ?? false;
}

/**
 * The error to throw for a failure while `doing` something in `region`: ours
 * pass through, AWS failures become a ServiceError, anything else (a bug) is
 * returned unchanged.
 */
export function asServiceError(error: unknown, doing: string, region: string): unknown {
  if (error instanceof LetsgoError || !isAwsFailure(error)) return error;
  return new ServiceError(`${doing} in ${region} failed: ${awsFailureReason(error)}.\n${HINT}`, { cause: error });
}
