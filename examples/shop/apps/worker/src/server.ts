/**
 * Local entry used by `letsgo-worker dev`: when this file exists, dev's handler
 * process loads it instead of index.ts (the banner says which file it loaded).
 * Anything that should happen only on your machine (seeding data, pointing SDK
 * clients at local services) goes here; `build` and `deploy` bundle index.ts and
 * never include it. It must export the `handler` of index.ts, so messages and
 * scheduled runs reach the same handler that runs in AWS.
 *
 * Start the local worker with:  npx letsgo-worker dev
 */
export { handler } from "./index";
