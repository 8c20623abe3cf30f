/**
 * letsgo-worker/runtime/host: what the generated entry of a worker's bundle
 * (src/image/bundle.ts) calls before the user's code loads: the payload shapes
 * derived from @letsgo/types, and the secrets from SSM. Not the user's API
 * (letsgo-worker/runtime is); kept apart so that API lists only what a
 * handler's author calls.
 */
export { setPayloadSchemas } from "./payloadShape.js";
export { loadWorkerSecrets } from "./secrets.js";
