/** Watches source folders and reports changed files, a burst of saves at a time. */
import { existsSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";

export interface SourceWatcher {
  close(): void;
}

const IGNORED = /(^|[\\/])(node_modules|\.letsgo|\.git|dist)([\\/]|$)|~$|\.swp$/;

export function watchSources(dirs: string[], onChange: (files: string[]) => void, debounceMs = 120): SourceWatcher {
  const watchers: FSWatcher[] = [];
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      if (!file || IGNORED.test(file)) return;
      changed.add(path.join(dir, file.toString()));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...changed];
        changed = new Set();
        onChange(files);
      }, debounceMs);
    });
    watcher.on("error", () => {}); // a folder removed while watched: nothing to reload from
    watchers.push(watcher);
  }
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
