/**
 * What `dev` watches to reload the handler processes: the files the handler's
 * code loaded (apps/worker/src and packages/types whole, and the folders of any
 * other file of its module graph outside node_modules, following the code after
 * each reload), and apps/worker/.env, whose live settings are applied and whose
 * other changes are named for a restart.
 */
import type { EventEmitter } from "node:events";
import type { WorkerPaths } from "../../project/paths.js";
import type { Settings } from "../../project/settings.js";
import type { HandlerInvoker } from "../pool/invoker.js";
import { watchSettings } from "./settingsWatch.js";
import { watchSources } from "./watch.js";
import type { DevWorkerEvents, DevWorkerOptions } from "../devWorkerTypes.js";

export interface ReloadWatchOptions {
  options: Pick<DevWorkerOptions, "projectDir" | "overrides" | "schedule">;
  paths: WorkerPaths;
  /** What dev runs with: updated in place with the settings that apply live. */
  settings: Settings;
  extra: Record<string, string>;
  invoker: Pick<HandlerInvoker, "reload" | "modules" | "on" | "off">;
  emitter: EventEmitter<DevWorkerEvents>;
  /** The handler processes' environment for these variables of the user's own (and `settings` as they are now). */
  handlerEnv(extra: Record<string, string>): Record<string, string>;
}

export function watchForReloads({ options, paths, settings, extra, invoker, emitter, handlerEnv }: ReloadWatchOptions): { ready: Promise<void>; close(): void } {
  const sources = watchSources({
    roots: [paths.src, paths.typesDir],
    onChange: (files) => {
      emitter.emit("reload", { reason: "source", files });
      invoker.reload();
    },
  });
  const follow = ({ files }: { files: string[] }) => sources.follow(files);
  invoker.on("modules", follow);
  sources.follow(invoker.modules);

  const envFile = paths.envFile;
  const settingsWatcher = watchSettings({
    projectDir: options.projectDir,
    envFile,
    overrides: options.overrides,
    settings,
    extra,
    schedule: options.schedule !== false,
    onChange: (change) => {
      emitter.emit("settings:changed", { file: envFile, applied: change.applied, needsRestart: change.needsRestart });
      if (!change.environmentChanged) return;
      emitter.emit("reload", { reason: "settings", files: [envFile] });
      invoker.reload(handlerEnv(change.extra));
    },
    onInvalid: (error) => emitter.emit("settings:invalid", { file: envFile, error }),
  });

  return {
    ready: sources.ready,
    close() {
      invoker.off("modules", follow);
      sources.close();
      settingsWatcher.close();
    },
  };
}
