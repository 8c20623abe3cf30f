/**
 * The handler's module graph, as the handler process loads it: every file
 * outside node_modules and outside this tool's own code, so other workspace
 * packages too. The parent watches their folders (./watch.ts) and reloads when
 * one changes. ES modules are seen by the `load` hook (./resolveHooks.ts), which
 * runs on the hooks thread and posts each URL on a MessagePort; modules that tsx
 * loads with require() (a package without "type": "module" compiled as CommonJS)
 * do not pass that hook and are read from require.cache.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";

/** This tool's own code (src/ run from source, dist/ installed): not the user's, never watched. */
const TOOL_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TOOL_CODE: readonly string[] = [path.join(TOOL_ROOT, "src") + path.sep, path.join(TOOL_ROOT, "dist") + path.sep];

const NODE_MODULES = /[\\/]node_modules[\\/]/;
/** What tsx appends to a module's URL to load it twice (e.g. `index.ts?tsx-commonjs-export-preparse=1`). */
const TSX_QUERY = /\?tsx-[^\\/]*$/;

/**
 * The project file a loaded module is, from its URL (or a require.cache path);
 * undefined for node:, data: and other URLs, node_modules and this tool's code.
 */
export function moduleFile(urlOrPath: string, toolCode: readonly string[] = TOOL_CODE): string | undefined {
  let file: string;
  if (urlOrPath.startsWith("file:")) {
    const url = new URL(urlOrPath);
    url.search = "";
    url.hash = "";
    file = fileURLToPath(url).replace(TSX_QUERY, "");
  } else if (path.isAbsolute(urlOrPath)) {
    file = urlOrPath;
  } else {
    return undefined;
  }
  if (NODE_MODULES.test(file) || toolCode.some((root) => file.startsWith(root))) return undefined;
  return file;
}

/** A message from the hooks thread: a loaded module's URL, or the echo of a flush. */
type HookMessage = string | { echo: number };

/** How long a flush waits for the hooks thread before reporting what it has (hooks that never started). */
const FLUSH_TIMEOUT_MS = 2_000;

/**
 * Collects the files the handler process loads, in the child, and reports the
 * new ones through `report` (to the parent, over IPC): in batches as they load,
 * and all of them by the time `flush()` resolves.
 */
export class ModuleCollector {
  /** The hooks' end of the channel: pass it to `register` in `data` and `transferList`. */
  readonly port: MessagePort;
  private readonly own: MessagePort;
  private readonly seen = new Set<string>();
  private fresh: string[] = [];
  private sendScheduled = false;
  private requireCacheSize = 0;
  private readonly requireCache = createRequire(import.meta.url).cache;
  private readonly echoes = new Map<number, () => void>();
  private nextEcho = 1;

  constructor(private readonly report: (files: string[]) => void) {
    const { port1, port2 } = new MessageChannel();
    this.own = port1;
    this.port = port2;
    port1.on("message", (message: HookMessage) => {
      if (typeof message === "string") this.add(message);
      else this.echoes.get(message.echo)?.();
    });
    port1.unref(); // never what keeps the handler process alive
  }

  /** Report every module loaded so far: waits until the hooks thread has posted all it saw. */
  async flush(): Promise<void> {
    const id = this.nextEcho++;
    this.own.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      this.echoes.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.own.postMessage(id);
    });
    this.echoes.delete(id);
    this.own.unref();
    this.check();
  }

  /** Report modules loaded since the last report (require() ones included); cheap when nothing was loaded. */
  check(): void {
    const keys = Object.keys(this.requireCache);
    if (keys.length !== this.requireCacheSize) {
      this.requireCacheSize = keys.length;
      for (const key of keys) this.add(key);
    }
    this.send();
  }

  private add(urlOrPath: string): void {
    const file = moduleFile(urlOrPath);
    if (file === undefined || this.seen.has(file)) return;
    this.seen.add(file);
    this.fresh.push(file);
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => this.send());
  }

  private send(): void {
    this.sendScheduled = false;
    if (this.fresh.length === 0) return;
    const files = this.fresh;
    this.fresh = [];
    this.report(files);
  }
}
