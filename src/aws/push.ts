/**
 * Pushing the built image. The tag is the content hash of the build, so a tag
 * already in the registry holds exactly this image and the push is skipped.
 * Credentials come from ECR's GetAuthorizationToken; LETSGO_WORKER_REGISTRY
 * names another address to push to (a mirror, a proxy, a local test registry).
 */
import type Docker from "dockerode";
import { ServiceError, errorMessage } from "../errors.js";
import type { Aws } from "./clients.js";
import { hasImageTag } from "./resources/repository.js";
import type { PlannedStep } from "./step.js";
import { imageUri, type DeployTarget } from "./target.js";
import { followStream, type StreamEvent } from "../image/engine.js";
import { MANIFEST_MEDIA_TYPES } from "../image/manifest.js";
import { registryBaseUrl } from "../image/registry.js";

export interface LocalImage {
  /** The engine's reference, `letsgo-worker-<deployment>:<hash>`. */
  reference: string;
  tag: string;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** Decode ECR's `AWS:<password>` token. */
export function decodeAuthorizationToken(token: string, serveraddress: string): RegistryAuth {
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) throw new ServiceError("ECR returned an authorization token without a user name; try again.");
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
}

export async function ecrAuth(aws: Aws, registry: string): Promise<RegistryAuth> {
  const { GetAuthorizationTokenCommand } = await import("@aws-sdk/client-ecr");
  const out = await (await aws.client("ecr")).send(new GetAuthorizationTokenCommand({}));
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken) throw new ServiceError("ECR returned no authorization token; check the identity may call ecr:GetAuthorizationToken.");
  return decodeAuthorizationToken(data.authorizationToken, registry);
}

export { registryBaseUrl };

/** Ask a Docker registry (API v2) whether it holds the tag; undefined when it cannot say (auth, network). */
async function registryHasTag(registry: string, repository: string, tag: string): Promise<boolean | undefined> {
  const url = `${registryBaseUrl(registry)}/v2/${repository}/manifests/${tag}`;
  try {
    const response = await fetch(url, {
      method: "HEAD",
      headers: {
        accept: MANIFEST_MEDIA_TYPES.join(", "),
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return true;
    if (response.status === 404) return false;
    return undefined;
  } catch {
    return undefined;
  }
}

export async function imageInRegistry(aws: Aws, target: DeployTarget, tag: string): Promise<boolean> {
  if (target.settings.LETSGO_WORKER_REGISTRY) {
    return (await registryHasTag(target.registry, target.names.repository, tag)) === true;
  }
  return hasImageTag(aws, target, tag);
}

/** Push progress, minus the per-layer byte counters. */
function pushProgress(onLine: (line: string) => void) {
  return (event: StreamEvent) => {
    if (event.status && !event.status.startsWith("Pushing")) onLine(`${event.id ? `${event.id}: ` : ""}${event.status}`);
  };
}

export interface ImagePushOptions {
  docker: Docker;
  local: LocalImage;
  onLine?: (line: string) => void;
}

/** The "image" step: push the local image unless the registry already has its tag. */
export async function planImagePush(aws: Aws, target: DeployTarget, options: ImagePushOptions): Promise<PlannedStep> {
  const uri = imageUri(target, options.local.tag);
  const present = await imageInRegistry(aws, target, options.local.tag).catch(() => false);
  const step: PlannedStep = {
    id: "image",
    resource: "Image",
    name: uri,
    action: present ? "unchanged" : "create",
    changes: [],
    notes: present ? ["Tag already in the registry: push skipped."] : [],
  };
  if (!present) {
    step.apply = async () => {
      try {
        const auth = await ecrAuth(aws, target.registry);
        const repo = `${target.registry}/${target.names.repository}`;
        await options.docker.getImage(options.local.reference).tag({ repo, tag: options.local.tag });
        const stream = await options.docker.getImage(uri).push({ authconfig: auth });
        await followStream(stream, pushProgress(options.onLine ?? (() => {})));
        return `pushed ${uri}`;
      } catch (error) {
        throw new ServiceError(`Image: pushing ${uri} failed: ${errorMessage(error)}`, { cause: error });
      }
    };
  }
  return step;
}
