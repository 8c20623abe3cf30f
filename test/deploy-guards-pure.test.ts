/**
 * The pure parts of deploy's guardrails, without AWS, Docker or a registry:
 * where an `--image` may come from, what a registry's manifest and config say,
 * and what deploy says and refuses when apps/worker/.env is missing. The same
 * guards through the real CLI: deploy-image.test.ts, deploy-cli.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { checkImageLocation, parseImageReference } from "../src/aws/imageReference.ts";
import { compareWithExample, fromDefaultsAlone, missingEnvFileWarning, refuseDefaultsAlone, type SettingsSource } from "../src/project/settingsSource.ts";
import { buildTarget, type DeployTarget } from "../src/aws/target.ts";
import { SettingsError, UsageError } from "../src/errors.ts";
import { configPlatform, formatPlatform, parseManifest } from "../src/image/manifest.ts";
import { defaultSettings, type Settings } from "../src/project/settings.ts";

const ACCOUNT = "123456789012";

/** A deployment's target as `connect` makes it, for an account in a region. */
function targetFor(settings: Partial<Settings> = {}, options: { region?: string; partition?: string } = {}): DeployTarget {
  const partition = options.partition ?? "aws";
  return buildTarget({ ...defaultSettings(), LETSGO_DEPLOYMENT: "prod", ...settings }, { account: ACCOUNT, partition, arn: `arn:${partition}:iam::${ACCOUNT}:user/me` }, options.region ?? "eu-central-1");
}

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("Function: parseImageReference", () => {
  const cases: Array<[string, ReturnType<typeof parseImageReference>]> = [
    ["letsgo-worker-prod:7a59", { host: "", name: "letsgo-worker-prod", tag: "7a59" }],
    ["library/node", { host: "", name: "library/node" }],
    [`${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/letsgo-prod-worker:v1`, { host: `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com`, name: "letsgo-prod-worker", tag: "v1" }],
    [`127.0.0.1:5000/team/worker@${DIGEST}`, { host: "127.0.0.1:5000", name: "team/worker", digest: DIGEST }],
    [`localhost/worker:1@${DIGEST}`, { host: "localhost", name: "worker", tag: "1", digest: DIGEST }],
    ["Registry.io/UPPER:1", undefined],
    ["reg.io/worker@sha256:short", undefined],
    ["reg.io/worker:bad tag", undefined],
  ];
  for (const [uri, expected] of cases) {
    it(`reads ${uri}`, () => assert.deepEqual(parseImageReference(uri), expected));
  }
});

describe("Function: checkImageLocation", () => {
  const ecr = `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com`;
  const fix = `Run deploy without --image to build and push the worker, or push the image to ${ecr}/letsgo-prod-worker and pass that URI (with :<tag> or @sha256:<digest>).`;

  it("accepts a tag or a digest in the account's ECR registry, any repository", () => {
    assert.deepEqual(checkImageLocation(`${ecr}/letsgo-prod-worker:v1`, targetFor()), { host: ecr, name: "letsgo-prod-worker", tag: "v1" });
    assert.equal(checkImageLocation(`${ecr}/team/other@${DIGEST}`, targetFor()).digest, DIGEST);
    const china = `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`;
    assert.equal(checkImageLocation(`${china}/w:1`, targetFor({}, { region: "cn-north-1", partition: "aws-cn" })).host, china);
  });

  it("refuses a local image name, naming the registry and the fix", () => {
    assert.throws(
      () => checkImageLocation("letsgo-worker-prod:7a59", targetFor()),
      (error) =>
        error instanceof UsageError &&
        error.message ===
          `--image letsgo-worker-prod:7a59 is a local image name, not a registry reference: the function runs images from ${ecr} (the account's ECR registry in eu-central-1) only. ${fix}`,
    );
  });

  it("refuses another account, another region and another registry", () => {
    for (const uri of [`999999999999.dkr.ecr.eu-central-1.amazonaws.com/w:1`, `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/w:1`, "ghcr.io/acme/w:1"]) {
      assert.throws(
        () => checkImageLocation(uri, targetFor()),
        (error) => error instanceof UsageError && error.message === `--image ${uri} is not in this deployment's registry: the function runs images from ${ecr} (the account's ECR registry in eu-central-1) only. ${fix}`,
      );
    }
  });

  it("takes LETSGO_WORKER_REGISTRY instead when it is set, a path under it included", () => {
    const target = targetFor({ LETSGO_WORKER_REGISTRY: "registry.example.com/team" });
    assert.equal(checkImageLocation("registry.example.com/team/letsgo-prod-worker:v1", target).name, "team/letsgo-prod-worker");
    assert.throws(() => checkImageLocation("registry.example.com/other/w:v1", target), (error) => error instanceof UsageError && /registry\.example\.com\/team \(LETSGO_WORKER_REGISTRY\) only/.test(error.message));
    assert.throws(() => checkImageLocation(`${ecr}/w:1`, target), UsageError);
  });

  it("refuses a reference without a tag or digest, and one that is no reference", () => {
    assert.throws(() => checkImageLocation(`${ecr}/w`, targetFor()), (error) => error instanceof UsageError && /names no tag or digest: add :<tag> or @sha256:<digest>/.test(error.message));
    assert.throws(() => checkImageLocation("not an image", targetFor()), (error) => error instanceof UsageError && /is not an image reference/.test(error.message));
  });
});

describe("Function: parseManifest / configPlatform", () => {
  it("reads an image manifest's config digest, Docker v2 and OCI alike", () => {
    for (const mediaType of ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"]) {
      const body = JSON.stringify({ schemaVersion: 2, mediaType, config: { digest: DIGEST, size: 1 }, layers: [] });
      assert.deepEqual(parseManifest({ body, mediaType }), { kind: "image", configDigest: DIGEST });
    }
  });

  it("reads an index's platforms, leaving out BuildKit's attestation manifests", () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { digest: "sha256:1", platform: { os: "linux", architecture: "amd64" } },
        { digest: "sha256:2", platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        { digest: "sha256:3", platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest" } },
      ],
    });
    const parsed = parseManifest({ body });
    assert.equal(parsed.kind, "index");
    assert.deepEqual(parsed.kind === "index" && parsed.entries.map((entry) => formatPlatform(entry.platform)), ["linux/amd64", "linux/arm64/v8"]);
  });

  it("says what is wrong with a manifest it cannot read", () => {
    assert.throws(() => parseManifest({ body: "<html>" }), /not JSON/);
    assert.throws(() => parseManifest({ body: JSON.stringify({ schemaVersion: 1, architecture: "amd64" }) }), /names no config/);
  });

  it("reads os and architecture from a config blob that matches its digest, and refuses one that does not", () => {
    const config = Buffer.from(JSON.stringify({ architecture: "arm64", os: "linux", rootfs: {} }));
    const digest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
    assert.deepEqual(configPlatform(config, digest), { os: "linux", architecture: "arm64" });
    assert.throws(() => configPlatform(config, DIGEST), /does not match its digest/);
  });
});

describe("Function: the settings deploy uses without apps/worker/.env", () => {
  const loaded = { settings: defaultSettings(), extra: {} };
  const none: SettingsSource = { envFile: false, exported: [] };

  it("counts only the defaults as the defaults alone", () => {
    assert.equal(fromDefaultsAlone(none), true);
    assert.equal(fromDefaultsAlone({ envFile: false, exported: ["LETSGO_DEPLOYMENT"] }), false);
    assert.equal(fromDefaultsAlone({ envFile: true, exported: [] }), false);
  });

  it("warns with the deployment, the region deployed to and the secrets' names, and not at all with a .env", () => {
    assert.equal(missingEnvFileWarning(none, loaded, "us-west-2"), "no apps/worker/.env: using the defaults (deployment main, region us-west-2, no secrets)");
    const exported = { settings: { ...defaultSettings(), LETSGO_DEPLOYMENT: "ci", STRIPE_WEBHOOK_SECRET: "whsec_never_shown" }, extra: {} };
    const warning = missingEnvFileWarning({ envFile: false, exported: ["LETSGO_DEPLOYMENT", "STRIPE_WEBHOOK_SECRET"] }, exported, "eu-west-1");
    assert.equal(warning, "no apps/worker/.env: using the defaults and LETSGO_DEPLOYMENT, STRIPE_WEBHOOK_SECRET from the environment (deployment ci, region eu-west-1, secrets STRIPE_WEBHOOK_SECRET)");
    assert.equal(missingEnvFileWarning({ envFile: true, exported: [] }, loaded, "us-west-2"), undefined);
  });

  it("compares with the example: plain values that differ (as the example sets them), secrets and own variables by name only", () => {
    const example = { LETSGO_DEPLOYMENT: "prod", LETSGO_WORKER_MEMORY: "128", LETSGO_WORKER_SCHEDULE: "", SLACK_WEBHOOK_URL: "https://hooks.slack.com/x", SHOP_NAME: "acme" };
    assert.deepEqual(compareWithExample(example, loaded, "apps/worker/.env.example"), {
      file: "apps/worker/.env.example",
      differs: [
        { key: "LETSGO_DEPLOYMENT", example: "prod", used: "main" },
        { key: "LETSGO_WORKER_SCHEDULE", example: "", used: "rate(1 hour)" },
      ],
      missing: ["SLACK_WEBHOOK_URL", "SHOP_NAME"],
    });
  });

  it("refuses the defaults alone unless --deployment is given, and lets exported settings through", () => {
    assert.throws(() => refuseDefaultsAlone(none, loaded, undefined), (error) => error instanceof SettingsError && /from the defaults alone, with no secrets\. Nothing was changed\./.test(error.message));
    assert.doesNotThrow(() => refuseDefaultsAlone(none, loaded, "main"));
    assert.doesNotThrow(() => refuseDefaultsAlone({ envFile: false, exported: ["LETSGO_WORKER_REGION"] }, loaded, undefined));
  });
});
