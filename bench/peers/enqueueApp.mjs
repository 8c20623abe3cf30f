#!/usr/bin/env node
/**
 * An app sending to `letsgo-worker dev` as the scaffold tells it to: `enqueue()`
 * of the project's own @letsgo/queue (packages/queue/index.ts, checked against
 * the project's declared types), one message per call, to the dev worker at
 * LETSGO_LOCAL_QUEUE_URL. Runs under tsx, as the app's own TypeScript would run.
 *
 * Usage: LETSGO_LOCAL_QUEUE_URL=<dev url> node --import tsx bench/peers/enqueueApp.mjs --project <dir> [appLoad.mjs options]
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { appOptions, runAppLoad } from "./appLoad.mjs";

const options = appOptions({ project: { type: "string" } });
if (!options.project) throw new Error("--project <dir> is required");
// Resolved as the app's own code resolves it: from the project, through its workspace link.
const entry = createRequire(path.join(path.resolve(options.project), "package.json")).resolve("@letsgo/queue");
const { enqueue } = await import(pathToFileURL(entry).href);
await runAppLoad(async (message) => (await enqueue(message))[0], options);
