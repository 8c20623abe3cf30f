/**
 * Rules between settings that AWS enforces (or advises) on the deployed
 * resources, checked without an AWS call. deploy checks them before touching
 * anything, and dev before it starts, with the same messages: a setting that
 * AWS would refuse is refused locally too. Each returns warnings, and throws
 * a SettingsError for what AWS would refuse.
 */
import { SettingsError } from "../errors.js";
import type { Settings } from "./settings.js";

/** Refuse a visibility timeout shorter than the function timeout (Lambda refuses the mapping); warn below AWS's advised 6×. */
export function checkQueueTiming(settings: Settings): string[] {
  const visibility = settings.LETSGO_WORKER_VISIBILITY_TIMEOUT;
  const timeout = settings.LETSGO_WORKER_FUNCTION_TIMEOUT;
  if (visibility < timeout) {
    throw new SettingsError(
      `LETSGO_WORKER_VISIBILITY_TIMEOUT (${visibility} s) is shorter than LETSGO_WORKER_FUNCTION_TIMEOUT (${timeout} s): ` +
        `messages would be delivered again while still being handled. Raise the visibility timeout to at least ${timeout} s (AWS advises ${timeout * 6} s).`,
    );
  }
  if (visibility < timeout * 6) {
    return [
      `LETSGO_WORKER_VISIBILITY_TIMEOUT (${visibility} s) is less than 6× LETSGO_WORKER_FUNCTION_TIMEOUT (${timeout} s); AWS advises at least ${timeout * 6} s so retries of a throttled batch do not overlap.`,
    ];
  }
  return [];
}

/** AWS requires a batching window of at least 1 s for batches larger than 10. */
export function checkBatching(settings: Settings): string[] {
  if (settings.LETSGO_WORKER_BATCH_SIZE > 10 && settings.LETSGO_WORKER_BATCHING_WINDOW < 1) {
    throw new SettingsError(
      `LETSGO_WORKER_BATCH_SIZE is ${settings.LETSGO_WORKER_BATCH_SIZE}: AWS requires LETSGO_WORKER_BATCHING_WINDOW of at least 1 s for batches larger than 10. Set LETSGO_WORKER_BATCHING_WINDOW=1 or more.`,
    );
  }
  return [];
}

/** AWS advises at least 5 receives before the dead-letter queue, so that throttled receives do not dead-letter good messages. */
export function checkReceiveCount(settings: Settings): string[] {
  const count = settings.LETSGO_WORKER_MAX_RECEIVE_COUNT;
  return count < 5
    ? [`LETSGO_WORKER_MAX_RECEIVE_COUNT is ${count}: AWS advises at least 5, so that receives a throttled function could not take do not move good messages to the dead-letter queue.`]
    : [];
}

/** Every rule above: the warnings, or the first SettingsError. */
export function checkSettingRules(settings: Settings): string[] {
  return [...checkQueueTiming(settings), ...checkBatching(settings), ...checkReceiveCount(settings)];
}
