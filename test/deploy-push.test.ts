/**
 * deploy without --image: build the worker with a real Docker engine, push it
 * with dockerode to a real registry (docker-registry standing in for ECR, named
 * by LETSGO_WORKER_REGISTRY), and point the function at it, with moto as AWS.
 * A second deploy finds the tag in the registry and skips the push. From the
 * CLI, --base-image and --platform reach the build deploy runs.
 *
 * moto's ECR is no registry (its GetAuthorizationToken proxy endpoint is fake):
 * the token is fetched from moto and sent, and the local registry ignores it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { prepareDeploy } from "../src/aws/deploy.ts";
import { callLog } from "../src/aws/calls.ts";
import { pendingSteps } from "../src/aws/plan.ts";
import { setEnvValues } from "../src/project/dotenv.ts";
import { workerPaths } from "../src/project/paths.ts";
import { architectureForPlatform } from "../src/image/index.ts";
import { runCli, tempDir } from "./support/cli.ts";
import { nodeBaseImage, scaffoldWorker, startTestEngine, type TestEngine } from "./support/docker.ts";
import { startTestRegistry, type TestRegistry } from "./support/registry.ts";
import { startMoto, useMotoEnv, TEST_REGION, type Moto } from "./support/moto.ts";

const engineOrSkip = await startTestEngine();
const registryOrSkip = "skip" in engineOrSkip ? engineOrSkip : await startTestRegistry();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : "skip" in registryOrSkip ? registryOrSkip.skip : false;
const needsDocker = { skip };

describe("deploy: build, push to the registry, skip an existing tag", () => {
  const engine = engineOrSkip as TestEngine;
  const registry = registryOrSkip as TestRegistry;
  const deployment = `push-${randomBytes(3).toString("hex")}`;
  const repository = `letsgo-${deployment}-worker`;
  let moto: Moto;
  let restoreEnv: () => void;
  let project: { dir: string; cleanup: () => Promise<void> };
  let baseImage: string;

  before(async () => {
    if (skip) return;
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    project = await tempDir("letsgo-push-");
    await scaffoldWorker(project.dir, { deployment });
    const envFile = workerPaths(project.dir).envFile;
    await writeFile(
      envFile,
      setEnvValues(await readFile(envFile, "utf8"), {
        LETSGO_WORKER_REGISTRY: registry.address,
        LETSGO_WORKER_ARCHITECTURE: architectureForPlatform(engine.platform),
      }),
    );
    baseImage = await nodeBaseImage(engine.docker);
  });

  after(async () => {
    if (skip) return;
    restoreEnv?.();
    await moto?.stop();
    await project?.cleanup();
    const images = await engine.docker.listImages({ filters: { reference: [`*${deployment}*`, `${registry.address}/${repository}`] } });
    for (const image of images) await engine.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    await registry.close();
    await engine.close();
  });

  const deploy = async () => {
    const log = callLog();
    const prepared = await prepareDeploy({ cwd: project.dir, docker: engine.docker, baseImage, recorder: log.record });
    try {
      const pending = pendingSteps(prepared.plan).map((step) => step.id);
      await prepared.apply();
      return { plan: prepared.plan, pending, mutating: log.mutating().map((call) => call.command), calls: log.calls.map((call) => call.command) };
    } finally {
      prepared.close();
    }
  };

  it("pushes the built image and deploys its URI, then skips the push when the tag is there", needsDocker, async () => {
    const first = await deploy();
    assert.ok(first.pending.includes("image"), `pending: ${first.pending.join(", ")}`);
    assert.ok(first.calls.includes("GetAuthorizationToken"));
    const tags = await registry.tags(repository);
    assert.equal(tags.length, 1);
    assert.equal(first.plan.imageUri, `${registry.address}/${repository}:${tags[0]}`);

    const fn = await new LambdaClient({ region: TEST_REGION }).send(new GetFunctionCommand({ FunctionName: repository }));
    assert.equal(fn.Code?.ImageUri, first.plan.imageUri);

    const second = await deploy();
    assert.deepEqual(second.pending, []);
    assert.deepEqual(second.mutating, []);
    assert.equal(second.calls.includes("GetAuthorizationToken"), false, "no push, so no registry login");
    assert.match(second.plan.steps.find((step) => step.id === "image")!.notes.join(" "), /push skipped/);
  });

  it("deploy --base-image and --platform reach the build, from the CLI; a platform the function would not run is refused", needsDocker, async () => {
    // The base image public.ecr.aws/lambda/nodejs:22 cannot be pulled here (no internet): --base-image names the local stand-in.
    const other = engine.platform === "linux/arm64" ? "linux/amd64" : "linux/arm64";
    const cli = (args: string[]) => runCli(["deploy", ...args, "--cwd", project.dir], { env: { ...moto.env, DOCKER_HOST: engine.host } });

    const deployed = await cli(["--yes", "--base-image", baseImage, "--platform", engine.platform]);
    assert.equal(deployed.code, 0, deployed.stderr);
    const uri = /image (\S+)\.\n/.exec(deployed.stdout)?.[1] ?? "";
    assert.ok(uri.startsWith(`${registry.address}/${repository}:`), deployed.stdout);
    assert.ok((await registry.tags(repository)).includes(uri.split(":").pop()!), "pushed under its tag");
    const fn = await new LambdaClient({ region: TEST_REGION }).send(new GetFunctionCommand({ FunctionName: repository }));
    assert.equal(fn.Code?.ImageUri, uri);

    const refused = await cli(["--dry-run", "--base-image", baseImage, "--platform", other]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`error: --platform ${other} builds an \\w+ image, but the function runs ${architectureForPlatform(engine.platform)} \\(LETSGO_WORKER_ARCHITECTURE\\): Lambda would not run it\\.`));
    assert.doesNotMatch(refused.stderr, /Bundling|Building/, "refused before the build");
  });
});
