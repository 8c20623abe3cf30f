/**
 * Node module resolve hooks for the handler process, registered (after tsx's)
 * before the user's entry is imported. They apply the rule the image bundler
 * applies (../project/letsgoImports.ts), so a project runs in `dev` before any
 * `npm install`: `letsgo-worker[/runtime]` is this installation's runtime, and
 * `@letsgo/types` falls back to packages/types/index.ts. Hooks registered later
 * run first, so `nextResolve` here is tsx's resolver (which handles .ts files).
 */
import type { InitializeHook, ResolveHook } from "node:module";
import { pathToFileURL } from "node:url";
import { RUNTIME_IMPORT, runtimeEntry, TYPES_IMPORT, typesFallback } from "../project/letsgoImports.js";

export interface ResolveHooksData {
  /** The project's packages/types/index.ts. */
  typesIndex: string;
}

let runtimeUrl = "";
let typesIndex = "";

export const initialize: InitializeHook<ResolveHooksData> = (data) => {
  runtimeUrl = pathToFileURL(runtimeEntry()).href;
  typesIndex = data.typesIndex;
};

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  // Through tsx's resolver: run from source, the runtime is a .ts file for its loader.
  if (RUNTIME_IMPORT.test(specifier)) return nextResolve(runtimeUrl, context);
  if (!TYPES_IMPORT.test(specifier)) return nextResolve(specifier, context);
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fallback = typesFallback(typesIndex);
    if (!fallback || (error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    // Through tsx's resolver too, so its loader compiles the file. packages/types has
    // no "type": "module", which would make Node treat index.ts as CommonJS and hide
    // its named exports from ESM importers; its source is ESM (`export enum ...`).
    const resolved = await nextResolve(pathToFileURL(fallback).href, context);
    return { ...resolved, format: "module" };
  }
};
