/**
 * Node module resolve hooks for the handler process, registered (after tsx's)
 * before the user's entry is imported. They apply the rule the image bundler
 * applies (../project/letsgoImports.ts), so a project runs in `dev` before any
 * `npm install`: `letsgo-worker[/runtime|/queue]` is this installation's code, and
 * `@letsgo/types` / `@letsgo/queue` fall back to packages/<name>/index.ts. Hooks registered later
 * run first, so `nextResolve` here is tsx's resolver (which handles .ts files).
 * The `load` hook only watches: it posts each loaded file's URL to the handler
 * process (the module graph dev watches, ./moduleGraph.ts) and hands on to tsx.
 */
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import { pathToFileURL } from "node:url";
import type { MessagePort } from "node:worker_threads";
import { TOOL_IMPORT, toolEntry, WORKSPACE_IMPORT, workspaceFallback } from "../project/letsgoImports.js";

export interface ResolveHooksData {
  /** The project's packages/types/index.ts. */
  typesIndex: string;
  /** Where each loaded file's URL is posted; a number posted back is echoed as `{ echo }` once every URL before it is sent. */
  modules?: MessagePort;
}

let typesIndex = "";
let modules: MessagePort | undefined;
const toolUrls = new Map<string, string>();

export const initialize: InitializeHook<ResolveHooksData> = (data) => {
  typesIndex = data.typesIndex;
  modules = data.modules;
  modules?.on("message", (echo: number) => modules!.postMessage({ echo }));
  modules?.unref();
};

export const load: LoadHook = (url, context, nextLoad) => {
  if (url.startsWith("file:") && !url.includes("/node_modules/")) modules?.postMessage(url);
  return nextLoad(url, context);
};

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (TOOL_IMPORT.test(specifier)) {
    let url = toolUrls.get(specifier);
    if (!url) toolUrls.set(specifier, (url = pathToFileURL(toolEntry(specifier)).href));
    // Through tsx's resolver: run from source, the entry is a .ts file for its loader.
    return nextResolve(url, context);
  }
  if (!WORKSPACE_IMPORT.test(specifier)) return nextResolve(specifier, context);
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fallback = workspaceFallback(typesIndex, specifier);
    if (!fallback || (error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    // Through tsx's resolver too, so its loader compiles the file. packages/types has
    // no "type": "module", which would make Node treat index.ts as CommonJS and hide
    // its named exports from ESM importers; its source is ESM (`export enum ...`).
    const resolved = await nextResolve(pathToFileURL(fallback).href, context);
    return { ...resolved, format: "module" };
  }
};
