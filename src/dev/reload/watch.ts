/**
 * Watches what the handler runs and reports the files whose content changed, a
 * burst of saves at a time: folders watched whole (apps/worker/src,
 * packages/types), and the folders of every other file the handler's module
 * graph loaded (another workspace package, a shared folder), which `follow()`
 * keeps in step with the code after each reload. Never node_modules. A file is
 * reported only when it exists once the burst is over and its content differs
 * from what was last seen (a hash; size and mtime first, to skip the read): an
 * editor's or an atomic writer's temporary file, a save that changes nothing
 * and a touch are not changes.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, watch, type Dirent, type FSWatcher, type Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isTemporaryFile } from "./temporaryFiles.js";

export interface SourceWatcher {
  /** Resolves once the files under the roots have a baseline to compare with. */
  readonly ready: Promise<void>;
  /** Watch the folders of these files too (outside the roots), instead of the previous set. */
  follow(files: readonly string[]): void;
  close(): void;
}

export interface SourceWatchOptions {
  /** Folders watched whole, recursively: any file saved in them counts. */
  roots: string[];
  /** Told the changed files (absolute paths) of each burst that changed something. */
  onChange: (files: string[]) => void;
  debounceMs?: number;
}

/** Folders whose content is never the user's code. */
const IGNORED_DIR = /(^|[\\/])(node_modules|\.letsgo|\.git|dist)([\\/]|$)/;
/** In a followed folder, a file the graph does not hold yet counts when it is code: a module about to be imported. */
const SOURCE_FILE = /\.[cm]?[jt]sx?$/;
/** Larger files are compared by size and mtime only. */
const HASH_LIMIT = 8 * 1024 * 1024;

export function watchSources(options: SourceWatchOptions): SourceWatcher {
  const changes = new ContentChanges(options.onChange, options.debounceMs);
  const roots = options.roots.map((root) => path.resolve(root));
  const inRoot = (file: string) => roots.some((root) => isInside(file, root));
  for (const root of roots) {
    changes.watchDir(root, true, (file) => !IGNORED_DIR.test(path.relative(root, file)));
  }
  const ready = Promise.all(roots.map((root) => changes.baselineTree(root))).then(() => {});

  let graph = new Set<string>();
  const followed = new Map<string, FSWatcher>();
  return {
    ready,
    follow(files) {
      graph = new Set(files.map((file) => path.resolve(file)).filter((file) => !IGNORED_DIR.test(file)));
      const dirs = new Set<string>();
      for (const file of graph) if (!inRoot(file)) dirs.add(path.dirname(file));
      for (const [dir, watcher] of followed) {
        if (dirs.has(dir)) continue;
        changes.unwatch(watcher);
        followed.delete(dir);
      }
      for (const dir of dirs) {
        if (followed.has(dir)) continue;
        const watcher = changes.watchDir(dir, false, (file) => graph.has(file) || SOURCE_FILE.test(file));
        if (!watcher) continue;
        followed.set(dir, watcher);
        changes.baselineDir(dir, (file) => graph.has(file) || SOURCE_FILE.test(file));
      }
      // A file of the graph under a root, new since the start, or one missed: compare with what was loaded.
      for (const file of graph) changes.baselineFile(file);
    },
    close() {
      changes.close();
    },
  };
}

/** One file, through its folder (editors save by renaming a new file over it): apps/worker/.env. */
export function watchFile(file: string, onChange: () => void, debounceMs?: number): { close(): void } {
  const target = path.resolve(file);
  const changes = new ContentChanges(() => onChange(), debounceMs);
  changes.watchDir(path.dirname(target), false, (changed) => changed === target);
  changes.baselineFile(target);
  return { close: () => changes.close() };
}

interface Fingerprint {
  size: number;
  mtimeMs: number;
  /** sha1 of the content; the size and mtime for a file over HASH_LIMIT. */
  hash: string;
}

/** Debounced change events, reported once checked against the content last seen. */
class ContentChanges {
  private readonly watchers: FSWatcher[] = [];
  private readonly seen = new Map<string, Fingerprint>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private settling: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly onChange: (files: string[]) => void,
    private readonly debounceMs = 120,
  ) {}

  watchDir(dir: string, recursive: boolean, accept: (file: string) => boolean): FSWatcher | undefined {
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { recursive }, (_event, name) => {
        if (!name) return;
        const file = path.join(dir, name.toString());
        if (isTemporaryFile(file) || !accept(file)) return;
        this.saw(file);
      });
    } catch {
      return undefined; // gone before it could be watched: nothing to reload from
    }
    watcher.on("error", () => {}); // a folder removed while watched: nothing to reload from
    this.watchers.push(watcher);
    return watcher;
  }

  /** Remember what every file under `dir` holds now (what the handler loaded), skipping ignored folders. */
  async baselineTree(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!IGNORED_DIR.test(entry.name)) await this.baselineTree(file);
        continue;
      }
      if (isTemporaryFile(entry.name) || this.seen.has(file)) continue;
      const print = await fingerprint(file);
      if (print && !this.seen.has(file)) this.seen.set(file, print);
    }
  }

  /** Remember what the files of `dir` (not its folders) hold now; at once, so a save right after counts. */
  baselineDir(dir: string, accept: (file: string) => boolean): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (!isTemporaryFile(name) && accept(file)) this.baselineFile(file);
    }
  }

  unwatch(watcher: FSWatcher): void {
    watcher.close();
    this.watchers.splice(this.watchers.indexOf(watcher), 1);
  }

  baselineFile(file: string): void {
    if (this.seen.has(file)) return;
    const print = fingerprintSync(file);
    if (print) this.seen.set(file, print);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private saw(file: string): void {
    if (this.closed) return;
    this.pending.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = [...this.pending];
      this.pending = new Set();
      this.settling = this.settling.then(() => this.settle(files));
    }, this.debounceMs);
  }

  /** The files of a burst that exist and hold something new, reported when there are any. */
  private async settle(files: string[]): Promise<void> {
    const changed: string[] = [];
    for (const file of files) {
      const before = this.seen.get(file);
      const now = await fingerprint(file, before);
      if (!now) {
        this.seen.delete(file); // gone (or a folder): written again, it is new
        continue;
      }
      this.seen.set(file, now);
      if (!before || before.hash !== now.hash) changed.push(file);
    }
    if (changed.length > 0 && !this.closed) this.onChange(changed);
  }
}

/** A regular file's fingerprint, undefined when it is not one (gone, a folder); `known` spares the read when size and mtime match. */
async function fingerprint(file: string, known?: Fingerprint): Promise<Fingerprint | undefined> {
  let stats: Stats;
  try {
    stats = await stat(file);
    if (!stats.isFile()) return undefined;
    if (known && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return known;
    const hash = stats.size > HASH_LIMIT ? `${stats.size}:${stats.mtimeMs}` : sha1(await readFile(file));
    return { size: stats.size, mtimeMs: stats.mtimeMs, hash };
  } catch {
    return undefined;
  }
}

function fingerprintSync(file: string): Fingerprint | undefined {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) return undefined;
    const hash = stats.size > HASH_LIMIT ? `${stats.size}:${stats.mtimeMs}` : sha1(readFileSync(file));
    return { size: stats.size, mtimeMs: stats.mtimeMs, hash };
  } catch {
    return undefined;
  }
}

function sha1(content: Buffer): string {
  return createHash("sha1").update(content).digest("hex");
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
