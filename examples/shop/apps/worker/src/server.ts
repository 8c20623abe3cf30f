/**
 * Local entry used by `letsgo-worker dev`. The dev worker's handler process loads
 * this file, so anything that should happen only on your machine (seeding data,
 * pointing SDK clients at local services) goes here. It hands messages to the
 * same `handler` that runs in AWS, so what works locally works in the cloud.
 *
 * Start the local worker with:  npx letsgo-worker dev
 */
export { handler } from "./index";
