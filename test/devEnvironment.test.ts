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
    assert.match(env.PATH ?? "", /:\/usr\/local\/bin:\/usr\/bin\/:\/bin:\/opt\/bin$/, "Lambda's PATH, not the shell's");
    // Exactly deploy's definition for the settings part.
    const { settings, extra } = { settings: worker.settings, extra: { MY_SERVICE_URL: "https://example.test" } };
    for (const [key, value] of Object.entries(handlerEnvironment(settings, extra))) assert.equal(env[key], value, key);
    const deploySettings = Object.keys(env).filter((key) => key.startsWith("LETSGO_WORKER_") && key !== "LETSGO_WORKER_LOCAL");
    assert.deepEqual(deploySettings, [], "no deploy setting reaches the handler");
  });
});

const PROBE_HANDLER = `
import { writeFileSync } from "node:fs";
import v8 from "node:v8";
export async function handler(event, context) {
  writeFileSync(__LOG__, JSON.stringify({
    env: process.env,
    cwd: process.cwd(),
    bundle: new URL(import.meta.url).pathname,
    contextKeys: Object.keys(context).sort(),
    context: { ...context, remaining: context.getRemainingTimeInMillis() },
    timezoneOffset: new Date().getTimezoneOffset(),
    heapLimitMb: v8.getHeapStatistics().heap_size_limit / 2 ** 20,
  }));
  return { batchItemFailures: [] };
}
`;

/** Lambda's context for the Node.js 22 runtime: as AWS documents it, plus the legacy succeed / fail / done that runtime still gives. */
const LAMBDA_CONTEXT_KEYS = [
  "awsRequestId", "callbackWaitsForEmptyEventLoop", "clientContext", "done", "fail", "functionName", "functionVersion", "getRemainingTimeInMillis",
  "identity", "invokedFunctionArn", "logGroupName", "logStreamName", "memoryLimitInMB", "succeed",
];

interface Probe {
  env: Record<string, string | undefined>;
  cwd: string;
  bundle: string;
  contextKeys: string[];
  context: Record<string, unknown>;
  timezoneOffset: number;
  heapLimitMb: number;
}

async function probe(options: { awsCredentials?: boolean } = {}): Promise<{ seen: Probe; settings: import("../src/project/settings.js").Settings }> {
  // AWS_PROFILE in the .env too: Lambda reserves it, so deploy leaves it out, and so must dev.
  const project = await dev.project({ handler: PROBE_HANDLER, env: { LETSGO_WORKER_MEMORY: 256, MY_TZ: "kept", AWS_PROFILE: "from-the-env-file" } });
  const worker = await dev.worker({ projectDir: project.dir, watch: false, ...options });
  const handled = waitForEvent(worker, "message:handled");
  await post(worker.url, { type: "Probe", payload: {} });
  await handled;
  return { seen: JSON.parse(await readFile(project.log, "utf8")) as Probe, settings: worker.settings };
}

describe("dev handler's world is Lambda's", () => {
  const shell = { TZ: "America/Los_Angeles", AWS_PROFILE: "developer", AWS_ACCESS_KEY_ID: "AKIADEVELOPERLOCAL00", AWS_SECRET_ACCESS_KEY: "not-a-real-secret" };
  const saved: Record<string, string | undefined> = {};
  afterEach(() => {
    for (const key of Object.keys(shell)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
  const useShell = () => {
    for (const [key, value] of Object.entries(shell)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  };

  it("gives the handler Lambda's variables, UTC, Lambda's context and heap, and none of the developer's AWS identity", async () => {
    useShell();
    const { seen, settings } = await probe();
    const { lambdaRuntimeVariables } = await import("../src/project/handlerEnvironment.js");
    for (const [key, value] of Object.entries(lambdaRuntimeVariables(settings, undefined, seen.cwd))) assert.equal(seen.env[key], value, key);
    // Field by field against what deploy names the function and Lambda documents.
    assert.equal(seen.env.TZ, ":UTC");
    assert.equal(seen.timezoneOffset, 0, "dates are UTC, whatever the developer's TZ");
    assert.equal(seen.env.AWS_LAMBDA_FUNCTION_NAME, "letsgo-main-worker");
    assert.equal(seen.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
    assert.equal(seen.env.AWS_LAMBDA_LOG_GROUP_NAME, "/aws/lambda/letsgo-main-worker");
    assert.equal(seen.env.AWS_REGION, settings.LETSGO_WORKER_REGION);
    assert.equal(seen.env.AWS_DEFAULT_REGION, settings.LETSGO_WORKER_REGION);
    assert.match(seen.env.AWS_EXECUTION_ENV ?? "", /^AWS_Lambda_nodejs\d+\.x$/);
    assert.equal(seen.env.LAMBDA_TASK_ROOT, seen.cwd, "the handler runs in its task root, as in Lambda");
    assert.ok(seen.bundle.startsWith(`${seen.cwd}/`), "which holds its bundle");
    assert.equal(seen.env._HANDLER, "index.handler");
    assert.equal(seen.env.AWS_LAMBDA_LOG_STREAM_NAME, seen.context.logStreamName, "one log stream, in the environment and the context");
    assert.equal(seen.env.MY_TZ, "kept", "the user's own .env keys stay");
    for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) assert.equal(seen.env[key], undefined, key);
    assert.equal(seen.env.AWS_EC2_METADATA_DISABLED, "true", "the SDK does not go looking for other credentials");
    assert.deepEqual(seen.contextKeys, LAMBDA_CONTEXT_KEYS);
    assert.equal(seen.context.callbackWaitsForEmptyEventLoop, true);
    assert.equal(seen.context.memoryLimitInMB, "256");
    assert.equal(seen.context.functionName, "letsgo-main-worker");
    assert.ok((seen.context.remaining as number) > 0);
    // Lambda's Node runtime sizes the old space from the memory: 256 MB - 10% = 231 MB, plus V8's other spaces.
    assert.ok(seen.heapLimitMb > 200 && seen.heapLimitMb < 300, `heap limit ${seen.heapLimitMb} MB for 256 MB`);
  });

  it("passes the developer's AWS credentials only with --aws-credentials (awsCredentials), and never their TZ", async () => {
    useShell();
    const { seen, settings } = await probe({ awsCredentials: true });
    assert.equal(seen.env.AWS_PROFILE, "developer", "the shell's, never the .env's (Lambda reserves AWS_*)");
    assert.equal(seen.env.AWS_ACCESS_KEY_ID, "AKIADEVELOPERLOCAL00");
    assert.equal(seen.env.AWS_SHARED_CREDENTIALS_FILE, undefined);
    assert.equal(seen.env.AWS_REGION, settings.LETSGO_WORKER_REGION, "the region is still the function's");
    assert.equal(seen.timezoneOffset, 0);
  });
});

describe("dev banner: the handler's world", () => {
  it("says which credentials handlers get, which .env keys Lambda reserves, and how messages are delivered", async () => {
    const { attachConsole } = await import("../src/dev/console/consoleLog.js");
    const project = await dev.project({ handler: ENV_HANDLER, env: { AWS_PROFILE: "mine", TZ: "Europe/Paris", MY_VAR: "kept" } });
    const identity = (text: string) => text;
    const style = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity };
    const banner = async (options: { atLeastOnce?: boolean; awsCredentials?: boolean; passEnv?: string[] }) => {
      const worker = await dev.worker({ projectDir: project.dir, watch: false, ...options });
      let text = "";
      const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style, projectDir: project.dir, watching: false });
      await waitForEvent(worker, "ready");
      detach();
      await worker.close();
      return text.split("\n");
    };

    const plain = await banner({});
    assert.ok(plain.some((l) => /^ {2}env {7}as Lambda's: its variables \(TZ=:UTC, .*none of your shell's.*no AWS credentials.*--aws-credentials passes yours/.test(l)), plain.join("\n"));
    assert.ok(!plain.some((l) => l.includes("--pass-env")), "no shell variables: no line about them");
    assert.ok(plain.includes("  env       apps/worker/.env sets AWS_PROFILE, TZ, which Lambda reserves: left out, as deploy leaves them out"), plain.join("\n"));
    assert.ok(plain.some((l) => l.startsWith("  delivery  in order, once; SQS delivers at least once, in any order: --at-least-once")), plain.join("\n"));
    const major = Number(process.versions.node.split(".")[0]);
    assert.equal(plain.some((l) => l.startsWith("  node      this is Node")), major !== 22, "the Node warning shows exactly when the majors differ");

    const opted = await banner({ atLeastOnce: true, awsCredentials: true, passEnv: ["DATABASE_URL", "DB_*"] });
    assert.ok(opted.includes("  env       from your shell too (--pass-env): DATABASE_URL, DB_*, which a deployed function would not have"), opted.join("\n"));
    assert.ok(opted.some((l) => /your AWS credentials \(--aws-credentials\)/.test(l)), opted.join("\n"));
    assert.ok(opted.some((l) => l.startsWith("  delivery  as SQS may: 10% of handled messages delivered once more, batches in shuffled order")), opted.join("\n"));
  });
});
