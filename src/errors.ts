/**
 * Errors that reach the user. Each carries the exit code the CLI should end with;
 * only `src/cli/main.ts` turns them into an exit.
 */
export class LetsgoError extends Error {
  override name = "LetsgoError";
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad flags or arguments: the user typed something we cannot act on. */
export class UsageError extends LetsgoError {
  override name = "UsageError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: 2, ...options });
  }
}

/** A setting in apps/worker/.env (or a flag overriding it) is invalid. */
export class SettingsError extends LetsgoError {
  override name = "SettingsError";
}

/** The project is not in a state the command can work with (no worker, name taken, ...). */
export class ProjectError extends LetsgoError {
  override name = "ProjectError";
}

/** A service we depend on (dev worker, Docker engine, AWS) could not be reached or refused. */
export class ServiceError extends LetsgoError {
  override name = "ServiceError";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
