/**
 * A new IAM role takes a few seconds to become usable by Lambda and Scheduler.
 * Instead of sleeping a fixed time we retry the call that needs the role, with
 * growing pauses, while AWS answers that the role is not assumable yet, and give
 * up after a bound.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isAwsError } from "./failure.js";

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts?: number;
  /** First pause in ms; doubles each time up to maxDelayMs. */
  delayMs?: number;
  maxDelayMs?: number;
  wait?: (ms: number) => Promise<unknown>;
  onRetry?: (attempt: number, error: unknown) => void;
}

/** The answers Lambda, Scheduler and SQS give while a new role has not propagated. */
export function isRoleNotReady(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  if (isAwsError(error, "InvalidParameterValueException", "ValidationException", "AccessDeniedException")) {
    return /role|assume|execution|permission|not authorized/i.test(message);
  }
  return false;
}

export async function retryWhileRoleNotReady<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 10;
  const maxDelay = options.maxDelayMs ?? 8000;
  const wait = options.wait ?? sleep;
  let delay = options.delayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRoleNotReady(error)) throw error;
      options.onRetry?.(attempt, error);
      await wait(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
