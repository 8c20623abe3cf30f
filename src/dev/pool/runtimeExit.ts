/**
 * Lambda's words for an execution environment whose runtime ended under an
 * invocation (`Runtime.ExitError`), as AWS's runtime client reports it; one
 * place, for handler processes and containers alike.
 */
export function runtimeExitError(detail: string): string {
  return `Runtime.ExitError: Runtime exited with error: ${detail}`;
}
