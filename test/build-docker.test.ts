/**
 * `build` against a real Docker engine (see support/docker.ts for where it comes
 * from). The base image is this machine's node on an empty root filesystem,
 * standing in for public.ecr.aws/lambda/nodejs:22, which cannot be pulled here.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, ImageBuildError, type BuildImageOptions, type BuiltImage } from "../src/image/index.js";
import { setEnvValues } from "../src/project/dotenv.js";
import { runCli } from "./support/cli.js";
import {
  ENV_CANARY,
  goodAndBadOrders,
  imageContains,
  invokeHandlerProgram,
  nodeBaseImage,
  parseInvokeResult,
  runInContainer,
  scaffoldWorker,
  setHandlerBody,
  startTestEngine,
  type TestEngine,
  writeFixtureWorker,
} from "./support/docker.js";
import { startTestRegistry } from "./support/registry.js";

const engineOrSkip = await startTestEngine();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : false;
// Skip each test rather than the suite, so the runner's summary counts them as skipped.
const needsEngine = { skip };

describe("Command: build, with a real Docker engine", () => {
  const engine = engineOrSkip as TestEngine;
  let dir: string;
  let handlerFile: string;
  let baseImage: string;
  let first: BuiltImage;
  // Unique per run: on a shared engine (DOCKER_HOST) earlier runs' images must not count.
  const deployment = `e2e-${randomBytes(3).toString("hex")}`;
  const created = new Set<string>();

  const build = async (options: Partial<BuildImageOptions> = {}) => {
    const built = await buildImage({ cwd: dir, platform: engine.platform, baseImage, docker: engine.docker, ...options });
    created.add(built.reference);
    return built;
  };

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-build-"));
    ({ handlerFile } = await scaffoldWorker(dir, { deployment }));
    baseImage = await nodeBaseImage(engine.docker);
    first = await build();
  });

  after(async () => {
    if (skip) return;
    await rm(dir, { recursive: true, force: true });
    for (const reference of created) await engine.docker.getImage(reference).remove({ force: true }).catch(() => undefined);
    await engine.close();
  });

  it("tags the image letsgo-worker-<deployment>:<content hash> and reports sizes", needsEngine, () => {
    assert.equal(first.repository, `letsgo-worker-${deployment}`);
    assert.match(first.tag, /^[0-9a-f]{20}$/);
    assert.equal(first.reference, `letsgo-worker-${deployment}:${first.tag}`);
    assert.equal(first.skipped, false);
    assert.ok(first.bundleBytes > 0 && first.sourceMapBytes > 0);
    assert.ok(first.imageBytes > first.baseImageBytes, "the image adds a layer to the base");
    assert.equal(first.architecture, engine.platform === "linux/arm64" ? "arm64" : "x86_64");
  });

  it("runs the bundled handler in a container: one good and one failing message give one batchItemFailure", needsEngine, async () => {
    // Act
    const run = await runInContainer(engine.docker, first.reference, [
      "node",
      "--input-type=module",
      "-e",
      invokeHandlerProgram("/var/task/index.mjs", goodAndBadOrders()),
    ]);

    // Assess
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(parseInvokeResult(run.stdout), { batchItemFailures: [{ itemIdentifier: "bad" }] });
  });

  it("holds only the bundle in ${LAMBDA_TASK_ROOT}, with the Lambda handler as its command", needsEngine, async () => {
    const run = await runInContainer(engine.docker, first.reference, [
      "node",
      "-e",
      'console.log(JSON.stringify(require("fs").readdirSync(process.env.LAMBDA_TASK_ROOT).sort()))',
    ]);
    assert.deepEqual(JSON.parse(run.stdout), ["index.mjs", "index.mjs.map"]);
    const config = (await engine.docker.getImage(first.reference).inspect()).Config;
    assert.deepEqual(config.Cmd, ["index.handler"]);
    assert.equal(config.Labels?.["letsgo.deployment"], deployment);
  });

  it("keeps apps/worker/.env out of the image: no secret, no private key, in any layer or the config", needsEngine, async () => {
    const env = await readFile(path.join(dir, "apps/worker/.env"), "utf8");
    const privateKey = /^LETSGO_WORKER_PRIVATE_KEY=(.+)$/m.exec(env)?.[1];
    assert.ok(privateKey && privateKey.length > 20, "the scaffold wrote a private key to .env");
    assert.equal(await imageContains(engine.docker, first.reference, ENV_CANARY), false);
    assert.equal(await imageContains(engine.docker, first.reference, privateKey.replace(/^'|'$/g, "").slice(0, 40)), false);
  });

  it("gives the same tag for the same input and skips the engine build", needsEngine, async () => {
    const again = await build();
    assert.equal(again.reference, first.reference);
    assert.equal(again.imageId, first.imageId);
    assert.equal(again.skipped, true);
  });

  it("gives a new tag when a handler changes, and the container runs the new code", needsEngine, async () => {
    // Prepare
    const original = await readFile(handlerFile, "utf8");
    await setHandlerBody(handlerFile, 'if (message.payload.orderId === "good") throw new Error("now good fails");');

    try {
      // Act
      const changed = await build();
      const run = await runInContainer(engine.docker, changed.reference, [
        "node",
        "--input-type=module",
        "-e",
        invokeHandlerProgram("/var/task/index.mjs", goodAndBadOrders()),
      ]);

      // Assess
      assert.notEqual(changed.tag, first.tag);
      assert.equal(changed.skipped, false);
      assert.deepEqual(parseInvokeResult(run.stdout), { batchItemFailures: [{ itemIdentifier: "good" }] });
    } finally {
      await writeFile(handlerFile, original);
    }
  });

  it("takes the platform from LETSGO_WORKER_ARCHITECTURE in apps/worker/.env when --platform is not given", needsEngine, async () => {
    // Prepare: the architecture this machine runs, so the base image matches.
    const envFile = path.join(dir, "apps/worker/.env");
    const original = await readFile(envFile, "utf8");
    const architecture = engine.platform === "linux/arm64" ? "arm64" : "x86_64";
    await writeFile(envFile, setEnvValues(original, { LETSGO_WORKER_ARCHITECTURE: architecture }));
    try {
      // Act
      const fromSettings = await build({ platform: undefined });

      // Assess: same content, same platform, same tag.
      assert.equal(fromSettings.platform, engine.platform);
      assert.equal(fromSettings.reference, first.reference);
      assert.equal(fromSettings.skipped, true);
      assert.deepEqual(fromSettings.warnings, [], "the function runs what it builds: nothing to warn of");
    } finally {
      await writeFile(envFile, original);
    }
  });

  it("says what to do when the base image exists only for another platform and cannot be pulled", needsEngine, async () => {
    const other = engine.platform === "linux/arm64" ? "linux/amd64" : "linux/arm64";
    await assert.rejects(
      build({ platform: other }),
      (error) =>
        error instanceof ImageBuildError &&
        error.message.includes(`Could not pull the base image ${baseImage} for ${other}`) &&
        /--base-image/.test(error.message) &&
        /--platform/.test(error.message),
    );
  });

  it("reports a failing build step with the step and the engine's message", needsEngine, async (t) => {
    // Prepare: a package to install in the image, but the stand-in base image has no shell or npm.
    const other = await mkdtemp(path.join(os.tmpdir(), "letsgo-build-install-"));
    t.after(() => rm(other, { recursive: true, force: true }));
    await writeFixtureWorker(other);
    await writeFile(
      path.join(other, "apps/worker/package.json"),
      JSON.stringify({ dependencies: { sharp: "^0.34.0" }, "letsgo-worker": { install: ["sharp"] } }),
    );

    // Act + Assess
    await assert.rejects(
      buildImage({ cwd: other, deployment, platform: engine.platform, baseImage, docker: engine.docker }),
      (error) =>
        error instanceof ImageBuildError &&
        /failed at "Step \d+\/\d+ : RUN cd \$\{LAMBDA_TASK_ROOT\} && npm install/.test(error.message) &&
        /\/bin\/sh/.test(error.message),
    );
  });

  it("prints the tag and sizes from the CLI, as JSON and for people", needsEngine, async () => {
    // The compiled CLI bundles the compiled runtime (dist/), so its tag differs from the source build's.
    const args = ["build", "--cwd", dir, "--platform", engine.platform, "--base-image", baseImage];
    const env = { DOCKER_HOST: engine.host };

    const json = await runCli([...args, "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as BuiltImage;
    assert.match(printed.reference, new RegExp(`^letsgo-worker-${deployment}:[0-9a-f]{20}$`));
    created.add(printed.reference);
    assert.equal(typeof printed.bundleBytes, "number");
    assert.equal(typeof printed.imageBytes, "number");
    assert.equal(typeof printed.baseImageBytes, "number");
    assert.ok(await engine.docker.getImage(printed.reference).inspect());

    const human = await runCli(args, { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^Unchanged ${printed.reference} \\(${engine.platform}\\)`));
    assert.match(human.stdout, /bundle +[\d.]+ kB/);
    assert.match(human.stdout, /image +[\d.]+ MB, [\d.]+ k?B over letsgo-test\/node-base/);
  });

  it("builds a --platform the function would not run, warning on stderr and in --json", needsEngine, async (t) => {
    // Prepare: the function set to the other architecture; the build for this machine's.
    const envFile = path.join(dir, "apps/worker/.env");
    const original = await readFile(envFile, "utf8");
    t.after(() => writeFile(envFile, original));
    const [functionArchitecture, built] = engine.platform === "linux/arm64" ? ["x86_64", "arm64"] : ["arm64", "x86_64"];
    await writeFile(envFile, setEnvValues(original, { LETSGO_WORKER_ARCHITECTURE: functionArchitecture }));
    const warning =
      `--platform ${engine.platform} builds an ${built} image, but LETSGO_WORKER_ARCHITECTURE is ${functionArchitecture}: ` +
      `the function will not run this image unless you set LETSGO_WORKER_ARCHITECTURE=${built} (in apps/worker/.env).`;
    const args = ["build", "--cwd", dir, "--platform", engine.platform, "--base-image", baseImage];
    const env = { DOCKER_HOST: engine.host };

    // Act
    const json = await runCli([...args, "--json"], { env });
    const human = await runCli([...args, "-q"], { env });

    // Assess: built all the same, and said each time.
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as BuiltImage;
    created.add(printed.reference);
    assert.deepEqual(printed.warnings, [warning]);
    assert.ok(json.stderr.includes(`warning: ${warning}\n`), json.stderr);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stderr, `warning: ${warning}\n`, "-q hides progress, not the warning");
  });

  it("pushes the built image to a registry (the ECR stand-in) under its content tag", needsEngine, async (t) => {
    const registry = await startTestRegistry();
    if ("skip" in registry) return t.skip(registry.skip);
    t.after(() => registry.close());

    // Act
    const remote = `${registry.address}/${first.repository}`;
    await engine.docker.getImage(first.reference).tag({ repo: remote, tag: first.tag });
    created.add(`${remote}:${first.tag}`);
    const stream = await engine.docker.getImage(`${remote}:${first.tag}`).push({ authconfig: { serveraddress: registry.address } });
    const { followStream } = await import("../src/image/engine.js");
    await followStream(stream, () => {});

    // Assess
    assert.deepEqual(await registry.tags(first.repository), [first.tag]);
  });
});

describe("Command: build, without a Docker engine", () => {
  it("says no engine answered and how to start one", async (t) => {
    // Prepare: a real project, and DOCKER_HOST pointing at a socket nobody listens on.
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-build-noengine-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await scaffoldWorker(dir);

    // Act
    const result = await runCli(["build", "--cwd", dir], { env: { DOCKER_HOST: `unix://${path.join(dir, "nobody.sock")}` } });

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No Docker engine answered at unix:\/\/.*nobody\.sock/);
    assert.match(result.stderr, /systemctl start docker|Docker Desktop/);
    assert.match(result.stderr, /DOCKER_HOST/);
    assert.equal(result.stdout, "");
  });

  it("refuses a worker with a type error, naming the file, the line and the error; --no-typecheck builds anyway", async (t) => {
    // Prepare: a handler reading a field its message type does not have (issue 21: this used to ship without a word).
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-build-typeerror-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { handlerFile } = await scaffoldWorker(dir);
    await setHandlerBody(handlerFile, "console.log(message.payload.customerId);");
    const noEngine = { DOCKER_HOST: `unix://${path.join(dir, "nobody.sock")}` };

    // Act
    const refused = await runCli(["build", "--cwd", dir], { env: noEngine });
    const skipped = await runCli(["build", "--cwd", dir, "--no-typecheck"], { env: noEngine });

    // Assess: refused before any engine is asked; skipping goes on to the engine (absent here).
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /The build refused: apps\/worker\/tsconfig\.json has 1 type error \(typescript [\d.]+/);
    assert.match(refused.stderr, /apps\/worker\/src\/handlers\/orderNewHandler\.ts:\d+:\d+ TS2339 Property 'customerId' does not exist on type/);
    assert.match(refused.stderr, /--no-typecheck/);
    assert.doesNotMatch(refused.stderr, /No Docker engine/);
    assert.equal(skipped.code, 1);
    assert.match(skipped.stderr, /No Docker engine answered/);
    assert.doesNotMatch(skipped.stderr, /type error/);
  });

  it("says to run init when there is no apps/worker", async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-build-empty-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const result = await runCli(["build", "--cwd", dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No apps\/worker in .*letsgo-worker init/s);
  });
});
