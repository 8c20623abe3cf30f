/**
 * `deploy --image` through the real CLI, as a person would use it: images of
 * both architectures pushed to a real registry (docker-registry, named by
 * LETSGO_WORKER_REGISTRY), a multi-platform index made of them, a local tag,
 * another registry; moto as AWS. The function runs arm64.
 *
 * moto's ECR is no registry: it keeps the manifests PutImage gives it but
 * serves no blob (GetDownloadUrlForLayer is not implemented). So for the
 * account's ECR registry the tests show the fallback: the manifest from moto,
 * the config from the local engine's image with that digest; with no engine,
 * the refusal and --skip-architecture-check.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { followStream, runBuild } from "../src/image/engine.ts";
import { tarArchive } from "../src/image/tar.ts";
import type { ImagePlatform } from "../src/image/platform.ts";
import { runCli, tempDir } from "./support/cli.ts";
import { startTestEngine, type TestEngine } from "./support/docker.ts";
import { startTestRegistry, type TestRegistry } from "./support/registry.ts";
import { freePort } from "./support/ports.ts";
import { startMoto, TEST_REGION, type Moto } from "./support/moto.ts";

const engineOrSkip = await startTestEngine();
const registryOrSkip = "skip" in engineOrSkip ? engineOrSkip : await startTestRegistry();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : "skip" in registryOrSkip ? registryOrSkip.skip : false;
const needsDocker = { skip };

const ACCOUNT = "123456789012";
const ECR = `${ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com`;
const MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

interface Pushed {
  uri: string;
  /** The manifest's digest (what `@sha256:` names). */
  digest: string;
  manifest: string;
  imageId: string;
}

describe("deploy --image: only an image the function can run", () => {
  const engine = engineOrSkip as TestEngine;
  const registry = registryOrSkip as TestRegistry;
  const deployment = `img-${randomBytes(3).toString("hex")}`;
  const repository = `letsgo-${deployment}-worker`;
  const local = `letsgo-test/arch-${deployment}`;
  const made: string[] = [];
  let moto: Moto;
  let project: { dir: string; cleanup: () => Promise<void> };
  let arm64: Pushed;
  let amd64: Pushed;
  let index: { uri: string };
  /** No engine listens here: the fallback finds none. */
  let noEngine: string;

  const env = (extra: Record<string, string> = {}) => ({ ...moto.env, DOCKER_HOST: engine.host, ...extra });
  const deploy = (args: string[], extra: Record<string, string> = {}) =>
    runCli(["deploy", ...args, "--cwd", project.dir], { env: env(extra) });
  const withRegistry = async (registryAddress: string) =>
    writeFile(
      path.join(project.dir, "apps/worker/.env"),
      `LETSGO_DEPLOYMENT=${deployment}\nLETSGO_WORKER_ARCHITECTURE=arm64\nLETSGO_WORKER_REGISTRY=${registryAddress}\n`,
    );

  /** A tiny image for a platform (FROM scratch: nothing to run, only its config matters here). */
  async function imageFor(platform: ImagePlatform): Promise<string> {
    const reference = `${local}:${platform.split("/")[1]}`;
    const context = tarArchive([
      { name: "Dockerfile", data: Buffer.from("FROM scratch\nCOPY platform.txt /\n") },
      { name: "platform.txt", data: Buffer.from(`${platform} ${deployment}\n`) },
    ]);
    await runBuild(engine.docker, { context, reference, platform, network: false }, () => {});
    made.push(reference);
    return reference;
  }

  async function push(reference: string, tag: string): Promise<Pushed> {
    const uri = `${registry.address}/${repository}:${tag}`;
    await engine.docker.getImage(reference).tag({ repo: `${registry.address}/${repository}`, tag });
    made.push(uri);
    await followStream(await engine.docker.getImage(uri).push({ authconfig: { serveraddress: registry.address } }), () => {});
    const response = await fetch(`http://${registry.address}/v2/${repository}/manifests/${tag}`, { headers: { accept: MANIFEST } });
    const imageId = (await engine.docker.getImage(reference).inspect()).Id;
    return { uri, digest: response.headers.get("docker-content-digest")!, manifest: await response.text(), imageId };
  }

  before(async () => {
    if (skip) return;
    moto = await startMoto();
    project = await tempDir("letsgo-deploy-image-");
    await mkdir(path.join(project.dir, "apps/worker"), { recursive: true });
    await withRegistry(registry.address);
    noEngine = `unix://${path.join(project.dir, "no-engine.sock")}`;
    arm64 = await push(await imageFor("linux/arm64"), "arm64");
    amd64 = await push(await imageFor("linux/amd64"), "amd64");
    // What `docker buildx build --platform linux/amd64,linux/arm64 --push` leaves: one tag naming both images.
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_LIST,
      manifests: [amd64, arm64].map((image, i) => ({
        mediaType: MANIFEST,
        size: Buffer.byteLength(image.manifest),
        digest: image.digest,
        platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
      })),
    });
    const put = await fetch(`http://${registry.address}/v2/${repository}/manifests/multi`, { method: "PUT", headers: { "content-type": MANIFEST_LIST }, body: list });
    assert.equal(put.status, 201, await put.text());
    index = { uri: `${registry.address}/${repository}:multi` };
  });

  after(async () => {
    if (skip) return;
    await moto?.stop();
    await project?.cleanup();
    for (const reference of made.reverse()) await engine.docker.getImage(reference).remove({ force: true }).catch(() => undefined);
    await registry.close();
    await engine.close();
  });

  it("deploys an arm64 image from the registry, by tag and by digest", needsDocker, async () => {
    const dry = await deploy(["--dry-run", "--image", arm64.uri]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\+ Lambda function\s+\S+\s+create/);
    assert.doesNotMatch(dry.stderr, /warning/, "read from the registry: nothing to say");

    const applied = await deploy(["--yes", "--image", arm64.uri]);
    assert.equal(applied.code, 0, applied.stderr);
    const lambda = new LambdaClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: repository }))).Code?.ImageUri, arm64.uri);

    const byDigest = await deploy(["--dry-run", "--image", `${registry.address}/${repository}@${arm64.digest}`]);
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.match(byDigest.stdout, /~ Lambda function\s+\S+\s+update/);
  });

  it("refuses an amd64 image for the arm64 function, saying how to fix it; the setting is one fix", needsDocker, async () => {
    for (const mode of ["--dry-run", "--yes"]) {
      const run = await deploy([mode, "--image", amd64.uri]);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "");
      assert.ok(
        run.stderr.includes(
          `error: --image ${amd64.uri} is a linux/amd64 image, but the function runs arm64 (LETSGO_WORKER_ARCHITECTURE): it would fail when invoked. ` +
            "Build it for the function (letsgo-worker build --platform linux/arm64, or plain deploy, which builds for it), " +
            "or set LETSGO_WORKER_ARCHITECTURE=x86_64 in apps/worker/.env to run linux/amd64 images.",
        ),
        run.stderr,
      );
    }
    const x86 = await deploy(["--dry-run", "--json", "--image", amd64.uri], { LETSGO_WORKER_ARCHITECTURE: "x86_64" });
    assert.equal(x86.code, 0, x86.stderr);
    const lambda = (JSON.parse(x86.stdout) as { steps: Array<{ id: string; changes: Array<{ field: string; to?: unknown }> }> }).steps.find((s) => s.id === "lambda")!;
    assert.deepEqual(lambda.changes.find((c) => c.field === "Architectures")?.to, ["x86_64"]);
  });

  it("refuses a multi-platform index (Lambda runs one platform), naming the digest of its arm64 image, which then deploys", needsDocker, async () => {
    const run = await deploy(["--dry-run", "--image", index.uri]);
    assert.equal(run.code, 1, run.stderr);
    const instead = `${registry.address}/${repository}@${arm64.digest}`;
    assert.ok(
      run.stderr.includes(
        `error: --image ${index.uri} is a multi-platform image index (linux/amd64, linux/arm64); Lambda runs single-platform images only. ` +
          `Deploy its linux/arm64 image by digest: --image ${instead}, or push a single-platform image (docker buildx build --platform linux/arm64 --provenance=false).`,
      ),
      run.stderr,
    );
    const suggested = await deploy(["--dry-run", "--image", instead]);
    assert.equal(suggested.code, 0, suggested.stderr);
  });

  it("refuses a local tag, another registry and a tag the registry lacks, before planning anything", needsDocker, async () => {
    const fix = `Run deploy without --image to build and push the worker, or push the image to ${registry.address}/${repository} and pass that URI (with :<tag> or @sha256:<digest>).`;
    const localTag = await deploy(["--yes", "--image", `letsgo-worker-${deployment}:7a59c0ffee`]);
    assert.equal(localTag.code, 2, localTag.stderr);
    assert.ok(
      localTag.stderr.includes(
        `error: --image letsgo-worker-${deployment}:7a59c0ffee is a local image name, not a registry reference: ` +
          `the function runs images from ${registry.address} (LETSGO_WORKER_REGISTRY) only. ${fix}`,
      ),
      localTag.stderr,
    );
    const elsewhere = await deploy(["--yes", "--image", `ghcr.io/acme/${repository}:1`]);
    assert.equal(elsewhere.code, 2, elsewhere.stderr);
    assert.ok(elsewhere.stderr.includes(`is not in this deployment's registry: the function runs images from ${registry.address} (LETSGO_WORKER_REGISTRY) only. ${fix}`), elsewhere.stderr);

    const absent = await deploy(["--yes", "--image", `${registry.address}/${repository}:never-pushed`]);
    assert.equal(absent.code, 1, absent.stderr);
    assert.ok(
      absent.stderr.includes(
        `error: --image ${registry.address}/${repository}:never-pushed: ${registry.address} has no such image. ` +
          "Push it there first, or run deploy without --image to build and push the worker.",
      ),
      absent.stderr,
    );
  });

  it("reads a registry that does not answer from the local engine's image of that name", needsDocker, async (t) => {
    const closed = `127.0.0.1:${await freePort()}`;
    t.after(() => withRegistry(registry.address));
    await withRegistry(closed);
    const uri = `${closed}/${repository}:arm64`;
    await engine.docker.getImage(arm64.uri).tag({ repo: `${closed}/${repository}`, tag: "arm64" });
    made.push(uri);

    const run = await deploy(["--dry-run", "--image", uri]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: The architecture of \S+ \(linux\/arm64\) was read from the local Docker engine's copy: the registry did not answer \(/);

    const none = await deploy(["--dry-run", "--image", uri], { DOCKER_HOST: noEngine });
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /Could not read the architecture of --image \S+: the registry did not answer \(.*\), and no local Docker engine answered to look for a copy\./);
  });

  describe("in the account's ECR registry (moto: manifests, no blobs)", () => {
    const ecrUri = (tag: string) => `${ECR}/prebuilt-${deployment}:${tag}`;

    before(async () => {
      if (skip) return;
      await withRegistry("");
      const ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
      await ecr.send(new CreateRepositoryCommand({ repositoryName: `prebuilt-${deployment}` }));
      // The images' own manifests, as a push to ECR would store them.
      for (const [tag, image] of [["arm64", arm64], ["amd64", amd64]] as const) {
        await ecr.send(new PutImageCommand({ repositoryName: `prebuilt-${deployment}`, imageTag: tag, imageManifest: image.manifest, imageManifestMediaType: MANIFEST }));
      }
    });

    after(async () => {
      if (!skip) await withRegistry(registry.address);
    });

    it("reads the architecture from the local engine's image with the manifest's config digest, and says so", needsDocker, async () => {
      const run = await deploy(["--dry-run", "--image", ecrUri("arm64")]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /warning: The architecture of \S+:arm64 \(linux\/arm64\) was read from the local Docker engine's copy: the registry gave the manifest but not its config \(/,
      );
      const wrong = await deploy(["--dry-run", "--image", ecrUri("amd64")]);
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /is a linux\/amd64 image, but the function runs arm64/);
    });

    it("refuses when nothing can tell the architecture, unless --skip-architecture-check", needsDocker, async () => {
      const refused = await deploy(["--dry-run", "--image", ecrUri("amd64")], { DOCKER_HOST: noEngine });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /error: Could not read the architecture of --image \S+:amd64: the registry gave the manifest but not its config \(ECR GetDownloadUrlForLayer: [^\n]+\), and no local Docker engine answered to look for a copy\./,
      );
      assert.match(refused.stderr, /or pass --skip-architecture-check if you know it is linux\/arm64\./);

      const skipped = await deploy(["--dry-run", "--image", ecrUri("amd64"), "--skip-architecture-check"], { DOCKER_HOST: noEngine });
      assert.equal(skipped.code, 0, skipped.stderr);
      assert.match(skipped.stderr, /warning: --skip-architecture-check: the architecture of \S+ was not checked; the function runs linux\/arm64 images \(LETSGO_WORKER_ARCHITECTURE=arm64\)\./);
    });
  });
});
