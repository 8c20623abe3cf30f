/**
 * `deploy --image <uri>`: the image must be in this deployment's registry
 * (src/aws/imageReference.ts) and of the function's architecture
 * (LETSGO_WORKER_ARCHITECTURE), or the function fails only when it is invoked.
 *
 * How the architecture is read:
 * - the account's ECR registry: ECR's API (BatchGetImage for the manifest,
 *   GetDownloadUrlForLayer for the config blob), through the same clients and
 *   endpoint as the rest of the deploy;
 * - LETSGO_WORKER_REGISTRY: that registry's HTTP API v2, logging in with the ECR
 *   token only if it asks for Basic credentials (as ECR does);
 * - when the registry cannot give the config (no permission, no network, or an
 *   emulator: moto's ECR keeps manifests but serves no blobs, and is no
 *   registry), the local Docker engine's copy: the image whose id is the
 *   manifest's config digest (the same image), or, when no manifest came at
 *   all, the engine's image of that name; the plan says which it was;
 * - otherwise the deploy is refused, unless --skip-architecture-check says the
 *   caller vouches for it (the plan then warns that nothing was checked).
 * A manifest list / OCI index is refused: Lambda does not run multi-platform
 * images; the message names the digest of the image to deploy instead.
 */
import { LetsgoError } from "../errors.js";
import { formatPlatform, MANIFEST_MEDIA_TYPES, type ManifestSource, type Platform } from "../image/manifest.js";
import { architectureForDocker, platformForArchitecture, type LambdaArchitecture } from "../image/platform.js";
import { registryManifestSource } from "../image/registry.js";
import { readRemotePlatform } from "../image/remotePlatform.js";
import type Docker from "dockerode";
import type { Aws } from "./clients.js";
import { NOT_FOUND, awsFailureReason, isAwsError, isAwsFailure } from "./failure.js";
import { checkImageLocation, type ImageReference } from "./imageReference.js";
import { ecrAuth } from "./push.js";
import type { DeployTarget } from "./target.js";

/** `--image` names an image the function cannot run (wrong architecture, several platforms, not there, unreadable). */
export class DeployImageError extends LetsgoError {
  override name = "DeployImageError";
}

export interface DeployImageCheckOptions {
  /** Deploy without reading the image's architecture (the plan warns). */
  skipArchitectureCheck?: boolean;
  /** The local engine, for the fallback; default: DOCKER_HOST or the local socket, if it answers. */
  docker?: Docker;
}

/** ECR's API as a ManifestSource: BatchGetImage for manifests, GetDownloadUrlForLayer for blobs. */
export function ecrManifestSource(aws: Aws, registryId: string, repositoryName: string): ManifestSource {
  return {
    async manifest(reference) {
      const { BatchGetImageCommand } = await import("@aws-sdk/client-ecr");
      const imageId = reference.startsWith("sha256:") ? { imageDigest: reference } : { imageTag: reference };
      try {
        const out = await (await aws.client("ecr")).send(
          new BatchGetImageCommand({ registryId, repositoryName, imageIds: [imageId], acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES] }),
        );
        const image = out.images?.[0];
        if (image?.imageManifest) return { body: image.imageManifest, ...(image.imageManifestMediaType ? { mediaType: image.imageManifestMediaType } : {}) };
        const failure = out.failures?.[0];
        if (!failure || failure.failureCode === "ImageNotFound" || failure.failureCode === "ImageTagDoesNotMatchDigest") return undefined;
        throw new Error(`ECR: ${failure.failureCode}${failure.failureReason ? ` (${failure.failureReason})` : ""}`);
      } catch (error) {
        if (isAwsError(error, ...NOT_FOUND.image)) return undefined;
        throw ecrFailure("BatchGetImage", error);
      }
    },
    async blob(digest) {
      const { GetDownloadUrlForLayerCommand } = await import("@aws-sdk/client-ecr");
      const out = await (await aws.client("ecr"))
        .send(new GetDownloadUrlForLayerCommand({ registryId, repositoryName, layerDigest: digest }))
        .catch((error: unknown) => Promise.reject(ecrFailure("GetDownloadUrlForLayer", error)));
      if (!out.downloadUrl) throw new Error("ECR gave no download URL");
      const response = await fetch(out.downloadUrl, { signal: AbortSignal.timeout(15_000) });
      if (!response.ok) throw new Error(`the download URL answered HTTP ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}

/** An AWS failure as one line naming the call; anything else unchanged. */
function ecrFailure(call: string, error: unknown): unknown {
  return isAwsFailure(error) ? new Error(`ECR ${call}: ${awsFailureReason(error)}`) : error;
}

function manifestSource(aws: Aws, target: DeployTarget, reference: ImageReference): ManifestSource {
  if (target.settings.LETSGO_WORKER_REGISTRY) {
    return registryManifestSource(reference.host, reference.name, () => ecrAuth(aws, target.registry));
  }
  return ecrManifestSource(aws, target.account, reference.name);
}

async function localEngine(options: DeployImageCheckOptions): Promise<Docker | undefined> {
  if (options.docker) return options.docker;
  const { connectEngine } = await import("../image/engine.js");
  return (await connectEngine({ timeoutMs: 2000 })).docker;
}

/**
 * Check `--image` before anything is planned: where it is, then its
 * architecture. Returns the plan's warnings (how the architecture was known,
 * or that it was not checked); throws with the fix when the function could not
 * run the image.
 */
export async function checkDeployImage(aws: Aws, target: DeployTarget, uri: string, options: DeployImageCheckOptions = {}): Promise<string[]> {
  const reference = checkImageLocation(uri, target);
  const architecture = target.settings.LETSGO_WORKER_ARCHITECTURE as LambdaArchitecture;
  const wanted = platformForArchitecture(architecture);
  if (options.skipArchitectureCheck) {
    return [`--skip-architecture-check: the architecture of ${uri} was not checked; the function runs ${wanted} images (LETSGO_WORKER_ARCHITECTURE=${architecture}).`];
  }
  const read = await readRemotePlatform(manifestSource(aws, target, reference), reference.digest ?? reference.tag!, {
    uri,
    engine: () => localEngine(options),
  });
  switch (read.kind) {
    case "missing":
      throw new DeployImageError(
        `--image ${uri}: ${target.registry} has no such image. Push it there first, or run deploy without --image to build and push the worker.`,
      );
    case "unreadable":
      throw new DeployImageError(
        `Could not read the architecture of --image ${uri}: ${read.reason}. The function runs ${wanted} images ` +
          `(LETSGO_WORKER_ARCHITECTURE=${architecture}), and an image of another architecture fails only when it is invoked. ` +
          `Let deploy read it (ecr:BatchGetImage and ecr:GetDownloadUrlForLayer, or a local Docker engine holding the image), ` +
          `run deploy without --image to build and push the worker, or pass --skip-architecture-check if you know it is ${wanted}.`,
      );
    case "index":
      throw new DeployImageError(indexRefusal(uri, reference, read.entries, architecture));
    case "image":
      checkArchitecture(uri, read.platform, architecture);
      return read.from === "engine"
        ? [`The architecture of ${uri} (${formatPlatform(read.platform)}) was read from the local Docker engine's copy: ${read.why}.`]
        : [];
  }
}

function checkArchitecture(uri: string, platform: Platform, architecture: LambdaArchitecture): void {
  const wanted = platformForArchitecture(architecture);
  const found = platform.os === "linux" ? architectureForDocker(platform.architecture) : undefined;
  if (found === architecture) return;
  const fix = found
    ? `Build it for the function (letsgo-worker build --platform ${wanted}, or plain deploy, which builds for it), or set LETSGO_WORKER_ARCHITECTURE=${found} in apps/worker/.env to run ${formatPlatform(platform)} images.`
    : `Lambda runs linux/arm64 and linux/amd64 images only: build it for the function (letsgo-worker build --platform ${wanted}, or plain deploy).`;
  throw new DeployImageError(
    `--image ${uri} is a ${formatPlatform(platform)} image, but the function runs ${architecture} (LETSGO_WORKER_ARCHITECTURE): ` +
      `it would fail when invoked. ${fix}`,
  );
}

function indexRefusal(uri: string, reference: ImageReference, entries: Array<{ digest: string; platform: Platform }>, architecture: LambdaArchitecture): string {
  const wanted = platformForArchitecture(architecture);
  const platforms = entries.map((entry) => formatPlatform(entry.platform)).join(", ") || "no platform named";
  const match = entries.find((entry) => entry.platform.os === "linux" && architectureForDocker(entry.platform.architecture) === architecture);
  const instead = match
    ? `Deploy its ${wanted} image by digest: --image ${reference.host}/${reference.name}@${match.digest}`
    : `It holds no ${wanted} image: build one (letsgo-worker build --platform ${wanted}, or plain deploy)`;
  return (
    `--image ${uri} is a multi-platform image index (${platforms}); Lambda runs single-platform images only. ` +
    `${instead}, or push a single-platform image (docker buildx build --platform ${wanted} --provenance=false).`
  );
}
