/** What GET /health says: the journal (ok, or degraded: then 503), the user's code, the processes, and which project this is. */
import type { JournalState } from "../journal/journalTypes.js";
import { loadErrorSummary } from "../pool/loadError.js";
import type { DevWorker } from "../devWorkerTypes.js";

export interface HealthParts {
  journal(): JournalState;
  invoker: { readonly available: boolean; readonly nextLoadAttemptAt: number | undefined; readonly processCount: number };
  handler: DevWorker["handler"];
  /** Clients of a project check they reached that project's worker. */
  project: { name: string; root: string; deployment: () => string };
}

export function health(parts: HealthParts): Record<string, unknown> {
  return {
    ...journalHealth(parts.journal()),
    handler: handlerHealth(parts),
    handlerProcesses: parts.invoker.processCount,
    pid: process.pid,
    project: { name: parts.project.name, root: parts.project.root, deployment: parts.project.deployment() },
  };
}

function journalHealth(state: JournalState) {
  const journal = { unwritten: state.unwritten };
  return state.ok ? { ok: true, journal } : { ok: false, degraded: true, reason: state.reason, code: state.code, since: state.since, journal };
}

/** Ready, or why not and when it is tried again. */
function handlerHealth({ invoker, handler }: HealthParts): string {
  if (invoker.available) return "ready";
  const at = invoker.nextLoadAttemptAt;
  const retry = at === undefined ? "" : `; trying again in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s, or at once when a file is saved`;
  return `failed to load: ${handlerLoadError(handler)}${retry}`;
}

/** The first line of why the user's code does not load, as /health and a skipped scheduled run say it. */
export function handlerLoadError(handler: DevWorker["handler"]): string {
  return loadErrorSummary(handler.error ?? "", 1)[0] ?? "see the dev log";
}
