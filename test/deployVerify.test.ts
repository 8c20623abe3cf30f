/**
 * `deploy --verify` / `status --verify` through the real binary, against moto
 * with a stand-in for the function (moto stores functions without running
 * them; support/standInFunction.ts runs the worker's bundle with AWS's own
 * runtime client, reading the function's configuration and secrets from moto).
 * The probe goes through moto's SQS, the report comes back through moto's
 * CloudWatch Logs, and the differences from dev's world are the ones made.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DeleteParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { setEnvValues } from "../src/project/dotenv.ts";
import { resourceNames } from "../src/project/names.ts";
import { workerPaths } from "../src/project/paths.ts";
import type { VerifyResult } from "../src/aws/verify.ts";
import { runCli, tempDir } from "./support/cli.ts";
import { scaffoldWorker } from "./support/docker.ts";
import { startMoto, useMotoEnv, TEST_REGION, type Moto } from "./support/moto.ts";
import { startStandInFunction, type StandInFunction } from "./support/standInFunction.ts";
import { useDevWorker, waitForEvent } from "./support/devServer.ts";
import { devWorldReport } from "../src/dev/pool/worldReport.ts";
import { loadSettings } from "../src/project/settings.ts";
import { PROBE_LOG_MESSAGE, PROBE_MESSAGE_TYPE } from "../src/runtime/probe.ts";

const DEPLOYMENT = "verify";
const NAMES = resourceNames(DEPLOYMENT);
const IMAGE = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/${NAMES.repository}:v1`;

describe("deploy --verify: a probe through the deployed queue, the function's report beside dev's", () => {
  let moto: Moto;
  let restoreEnv: () => void;
  let project: { dir: string; cleanup: () => Promise<void> };
  let standIn: StandInFunction | undefined;
  let queueUrl: string;
  const cli = (args: string[]) => runCli([...args, "--cwd", project.dir], { env: moto.env });

  before(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    project = await tempDir("letsgo-verify-");
    await scaffoldWorker(project.dir, { deployment: DEPLOYMENT });
    // One plain variable of the user's own (the keys and the Stripe secret are secrets: SSM).
    const envFile = workerPaths(project.dir).envFile;
    await writeFile(envFile, setEnvValues(await readFile(envFile, "utf8"), { SHOP_NAME: "acme", LETSGO_WORKER_PLAIN_ENV: "SHOP_NAME" }));
  });
  after(async () => {
    await standIn?.stop();
    restoreEnv?.();
    await moto?.stop();
    await project?.cleanup();
  });

  it("deploy --verify sends the probe after the deploy; when the function answers nothing (moto's own), it says where the probe stopped and exits 1", async () => {
    const result = await cli(["deploy", "--yes", "--image", IMAGE, "--skip-architecture-check", "--verify", "--verify-timeout", "3", "--json"]);
    assert.equal(result.code, 1, result.stderr);
    // The deploy's document is printed all the same, with why the verification failed.
    const document = JSON.parse(result.stdout) as { applied: unknown[]; verify: { error: string } };
    assert.ok(document.applied.length > 0);
    assert.match(document.verify.error, /^No report from the function within 3 s/);
    assert.match(result.stderr, /Probe [0-9a-f-]{36} sent through letsgo-verify-worker/);
    // moto's mapping took the probe off the queue at once and logged nothing.
    assert.match(result.stderr, /No report from the function within 3 s\. The probe left the queue, but the function logged no report/);
    queueUrl = (await new SQSClient({ region: TEST_REGION }).send(new GetQueueUrlCommand({ QueueName: NAMES.queue }))).QueueUrl!;
  });

  it("status --verify --json: the function's world as its runtime reports it (secrets read from SSM), and no difference from dev's", async () => {
    standIn = await startStandInFunction({ projectDir: project.dir, functionName: NAMES.function, queueUrl });
    const result = await cli(["status", "--verify", "--json", "--verify-timeout", "120"]);
    assert.equal(result.code, 0, result.stderr);
    const { verify } = JSON.parse(result.stdout) as { verify: VerifyResult };
    assert.ok(standIn.invocations >= 1);
    assert.equal(verify.deployed.node, process.version);
    assert.equal(verify.deployed.memoryMb, 128);
    assert.equal(verify.deployed.region, TEST_REGION);
    assert.equal(verify.deployed.timeZone, "UTC");
    assert.deepEqual(verify.deployed.secretsFromSsm, ["LETSGO_WORKER_PRIVATE_KEY", "STRIPE_WEBHOOK_SECRET"]);
    for (const name of ["SHOP_NAME", "LETSGO_WORKER_PRIVATE_KEY", "STRIPE_WEBHOOK_SECRET", "LETSGO_DEPLOYMENT"]) {
      assert.ok(verify.deployed.variablesSet.includes(name), `${name} set in the function`);
      assert.ok(verify.dev.variablesSet.includes(name), `${name} set in dev`);
    }
    assert.deepEqual(verify.dev.secretsFromSsm, []);
    assert.deepEqual(verify.differences, []);
    assert.ok(verify.logStream?.includes("[$LATEST]"));
    assert.ok(verify.latencyMs > 0, String(verify.latencyMs));
  });

  it("a function that drifted from the project (memory, a variable, a secret): each difference is named, side by side", async () => {
    await standIn?.stop();
    const lambda = new LambdaClient({ region: TEST_REGION });
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAMES.function }));
    const { SHOP_NAME: _gone, ...variables } = current.Environment?.Variables ?? {};
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAMES.function, MemorySize: 256, Environment: { Variables: variables } }));
    lambda.destroy();
    const ssm = new SSMClient({ region: TEST_REGION });
    await ssm.send(new DeleteParameterCommand({ Name: `/letsgo/${DEPLOYMENT}/worker/STRIPE_WEBHOOK_SECRET` }));
    ssm.destroy();
    standIn = await startStandInFunction({ projectDir: project.dir, functionName: NAMES.function, queueUrl });

    const json = await cli(["status", "--verify", "--json", "--verify-timeout", "120"]);
    assert.equal(json.code, 0, json.stderr);
    const { verify } = JSON.parse(json.stdout) as { verify: VerifyResult };
    const byField = new Map(verify.differences.map((d) => [d.field, d]));
    assert.deepEqual({ ...byField.get("memoryMb"), note: undefined }, { field: "memoryMb", deployed: "256 MB", dev: "128 MB", note: undefined });
    assert.match(byField.get("memoryMb")?.note ?? "", /LETSGO_WORKER_MEMORY/);
    assert.ok(byField.has("heapLimitMb"), "the heap follows the memory");
    assert.equal(byField.get("variable SHOP_NAME")?.deployed, "not set");
    assert.equal(byField.get("variable STRIPE_WEBHOOK_SECRET")?.deployed, "not set");
    assert.match(byField.get("secrets")?.note ?? "", /STRIPE_WEBHOOK_SECRET not read from SSM/);
    assert.equal(verify.differences.length, 5, JSON.stringify(verify.differences));

    const human = await cli(["status", "--verify", "--verify-timeout", "120"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Verified: the function handled probe [0-9a-f-]{36} in \d+\.\d s/);
    assert.match(human.stdout, /memory\s+256 MB\s+128 MB ≠/);
    assert.match(human.stdout, /5 differences:/);
    assert.match(human.stdout, /variable SHOP_NAME: deployed not set, dev set/);
  });

  it("with the mapping disabled, --verify says so instead of waiting in silence", async () => {
    await standIn?.stop(); // the stand-in leaves moto's mapping disabled
    standIn = undefined;
    const result = await cli(["status", "--verify", "--verify-timeout", "2"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The event source mapping is Disabled: nothing takes messages off the queue/);
  });

  it("refuses --verify with --dry-run, and a bad --verify-timeout, before any AWS call", async () => {
    const dry = await cli(["deploy", "--dry-run", "--verify", "--image", IMAGE]);
    assert.equal(dry.code, 2);
    assert.match(dry.stderr, /cannot follow --dry-run/);
    const bad = await cli(["status", "--verify", "--verify-timeout", "soon"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--verify-timeout takes whole seconds/);
  });
});

describe("Function: devWorldReport (the dev side of --verify)", () => {
  const dev = useDevWorker();

  it("is what a probe sent to a running dev worker reports from its handler process", async () => {
    const { dir, cleanup } = await tempDir("letsgo-verify-dev-");
    dev.release(cleanup);
    await scaffoldWorker(dir, { deployment: "verifydev" });
    const worker = await dev.worker({ projectDir: dir, typecheck: false });
    const names = ["LETSGO_DEPLOYMENT", "LETSGO_WORKER_PRIVATE_KEY", "STRIPE_WEBHOOK_SECRET", "NOT_IN_ENV"];
    const probeId = crypto.randomUUID();
    const reported = waitForEvent(worker, "handler:output", ({ line }) => line.includes(probeId));
    const sent = await fetch(worker.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: PROBE_MESSAGE_TYPE, payload: { probeId, names } }) });
    assert.equal(sent.status, 201, await sent.text());
    const line = JSON.parse((await reported).line) as { msg: string; world: unknown };
    assert.equal(line.msg, PROBE_LOG_MESSAGE);
    const loaded = await loadSettings(dir, {}, process.env, { dev: true });
    assert.deepEqual(await devWorldReport(loaded.settings, loaded.extra, names), line.world);
  });
});
