/**
 * What the handler process finds in process.env under `dev`: what deploy gives
 * the function (handlerEnvironment), not the deploy settings, whether they come
 * from apps/worker/.env or from the environment `dev` was started in.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { handlerEnvironment } from "../src/project/handlerEnvironment.js";
import { post, waitForEvent, useDevWorker } from "./support/devServer.js";

const ENV_HANDLER = `
import { writeFileSync } from "node:fs";
export async function handler() {
  writeFileSync(__LOG__, JSON.stringify(process.env));
  return { batchItemFailures: [] };
}
`;

const INHERITED = "LETSGO_WORKER_RECEIVE_WAIT";
const dev = useDevWorker();
afterEach(() => {
  delete process.env[INHERITED];
});

describe("dev handler environment", () => {
  it("has the settings deploy gives the function and the user's .env keys, without deploy settings", async () => {
    const project = await dev.project({
      handler: ENV_HANDLER,
      env: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 120, MY_SERVICE_URL: "https://example.test", LETSGO_DEPLOYMENT: "staging" },
    });
    // Exported in the shell dev runs in: a deploy setting, so the handler must not see it either.
    process.env[INHERITED] = "7";
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    const handled = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Env", payload: {} });
    await handled;
    const env = JSON.parse(await readFile(project.log, "utf8")) as Record<string, string | undefined>;

    assert.equal(env.LETSGO_WORKER_VISIBILITY_TIMEOUT, undefined);
    assert.equal(env[INHERITED], undefined);
    assert.equal(env.LETSGO_WORKER_BATCHING_WINDOW, undefined);
    assert.equal(env.MY_SERVICE_URL, "https://example.test");
    assert.equal(env.LETSGO_DEPLOYMENT, "staging");
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, "letsgo-staging-worker");
    assert.equal(env.AWS_REGION, "us-west-2");
    assert.equal(env.LETSGO_LOCAL_QUEUE_URL, worker.url);
    assert.equal(env.PATH, process.env.PATH, "the rest of the environment is inherited");
    // Exactly deploy's definition for the settings part.
    const { settings, extra } = { settings: worker.settings, extra: { MY_SERVICE_URL: "https://example.test" } };
    for (const [key, value] of Object.entries(handlerEnvironment(settings, extra))) assert.equal(env[key], value, key);
    const deploySettings = Object.keys(env).filter((key) => key.startsWith("LETSGO_WORKER_") && key !== "LETSGO_WORKER_LOCAL");
    assert.deepEqual(deploySettings, [], "no deploy setting reaches the handler");
  });
});
