/**
 * Settings and secrets reach the function as configuration at deploy time, never
 * inside the image. The bundle never reads apps/worker/.env, but code can still
 * carry a pasted secret: refuse to build an image that would hold one.
 */
import { ProjectError } from "../errors.js";
import { isSecretKey } from "../project/settings.js";

/** Shorter values are too likely to occur by chance (e.g. "true", "3600"). */
const MIN_SECRET_LENGTH = 8;

/** Keys of secret settings whose values occur in any of the given files. */
export function leakedSecrets(values: Record<string, string | number>, files: readonly Buffer[]): string[] {
  const leaked: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const text = String(value);
    if (!isSecretKey(key) || text.length < MIN_SECRET_LENGTH) continue;
    if (files.some((file) => file.includes(text))) leaked.push(key);
  }
  return leaked.sort();
}

export function assertNoSecrets(values: Record<string, string | number>, files: readonly Buffer[], envFile: string): void {
  const leaked = leakedSecrets(values, files);
  if (leaked.length === 0) return;
  throw new ProjectError(
    `The worker bundle contains the value of ${leaked.join(", ")} from ${envFile}. ` +
      `Secrets must not be baked into the image: read them from process.env at run time (deploy passes them as configuration), and remove the value from your code.`,
  );
}
