/** `dev --json`: one JSON object per event, paths relative to the project, for machines. */
import { devShownSettings } from "../../project/settings.js";
import type { DevWorker } from "../devWorkerTypes.js";
import type { ConsoleHandlers, LineKit } from "./consoleTypes.js";

export function jsonHandlers(worker: DevWorker, { json, rel }: LineKit): ConsoleHandlers {
  return {
    ready: () =>
      json("ready", {
        url: worker.url,
        port: worker.port,
        entry: rel(worker.entry),
        settings: devShownSettings(worker.settings),
        devOnly: worker.devOnly,
        ...(worker.settingsWarning ? { settingsWarning: worker.settingsWarning } : {}),
        payloadTypes: { ...worker.payloadTypes, file: rel(worker.payloadTypes.file) },
        handler: worker.handler,
        lambdaWorld: worker.lambdaWorld,
        schedule: { state: worker.schedule.state, next: worker.schedule.next?.toISOString() ?? null },
        stats: worker.stats(),
        journal: worker.replay,
        ...(worker.historyDamage ? { historyDamage: { ...worker.historyDamage, ...(worker.historyDamage.setAside ? { setAside: rel(worker.historyDamage.setAside) } : {}) } } : {}),
        leftoverProcesses: worker.leftoverProcesses,
      }),
    "message:handled": (o) => json("message:handled", o),
    "message:failed": (o) => json("message:failed", o),
    "message:dead": (o) => json("message:dead", o),
    "message:stale": (o) => json("message:stale", o),
    "message:redriven": (o) => json("message:redriven", o),
    "message:retried": (o) => json("message:retried", o),
    "message:duplicated": (o) => json("message:duplicated", o),
    "message:expired": (o) => json("message:expired", o),
    "handler:loaded": (o) => json("handler:loaded", o),
    "handler:load-error": (o) => json("handler:load-error", o),
    "handler:exit": (o) => json("handler:exit", o),
    "types:warnings": (o) => json("types:warnings", { ...o, file: rel(o.file) }),
    "types:checked": (o) => json("types:checked", o),
    "types:unchecked-at-start": (o) => json("types:unchecked-at-start", o),
    "handler:output": (o) => json("handler:output", o),
    "schedule:ran": (o) => json("schedule:ran", o),
    "stripe:received": (o) => json("stripe:received", o),
    "stripe:refused": (o) => json("stripe:refused", o),
    reload: (o) => json("reload", { reason: o.reason, files: o.files.map(rel) }),
    "settings:changed": (o) => json("settings:changed", { ...o, file: rel(o.file) }),
    "settings:invalid": (o) => json("settings:invalid", { ...o, file: rel(o.file) }),
    "journal:degraded": (o) => json("journal:degraded", o),
    "journal:resumed": (o) => json("journal:resumed", o),
  };
}
