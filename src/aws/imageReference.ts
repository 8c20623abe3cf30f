/**
 * `deploy --image <uri>`: is it an image the function can run from? Lambda
 * takes an image URI in ECR, so the URI must name this deployment's registry
 * (the account's ECR registry in the deploy's region, or LETSGO_WORKER_REGISTRY)
 * and a tag or digest. Pure: the refusals say what to do instead.
 */
import { UsageError } from "../errors.js";
import type { DeployTarget } from "./target.js";

export interface ImageReference {
  /** `host[:port]`. */
  host: string;
  /** The repository path after the host (`letsgo-prod-worker`, `team/worker`). */
  name: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Split an image reference as Docker reads it; `host` is empty when the first
 * part is no registry address (a local name such as `letsgo-worker-prod:7a59`,
 * or a Docker Hub one). Undefined when it is no image reference at all.
 */
export function parseImageReference(uri: string): ImageReference | undefined {
  let rest = uri;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split("/");
  const first = parts[0]!;
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first : "";
  const path = hasHost ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((part) => COMPONENT.test(part))) return undefined;
  return { host, name: path.join("/"), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The registry images must come from, described for messages. */
function registryDescription(target: DeployTarget): string {
  return target.settings.LETSGO_WORKER_REGISTRY
    ? `${target.registry} (LETSGO_WORKER_REGISTRY)`
    : `${target.registry} (the account's ECR registry in ${target.region})`;
}

function theFix(target: DeployTarget): string {
  return (
    "Run deploy without --image to build and push the worker, or push the image to " +
    `${target.registry}/${target.names.repository} and pass that URI (with :<tag> or @sha256:<digest>).`
  );
}

/**
 * Check `--image` names an image in this deployment's registry, with a tag or a
 * digest; returns its parts. Refuses anything else with the fix.
 */
export function checkImageLocation(uri: string, target: DeployTarget): ImageReference {
  const reference = parseImageReference(uri);
  if (!reference) {
    throw new UsageError(`--image ${uri} is not an image reference (<registry>/<repository>:<tag> or @sha256:<digest>). ${theFix(target)}`);
  }
  if (!reference.host) {
    throw new UsageError(
      `--image ${uri} is a local image name, not a registry reference: the function runs images from ${registryDescription(target)} only. ${theFix(target)}`,
    );
  }
  const expected = target.registry.toLowerCase().replace(/\/+$/, "");
  const actual = `${reference.host}/${reference.name}`.toLowerCase();
  if (!actual.startsWith(`${expected}/`)) {
    throw new UsageError(`--image ${uri} is not in this deployment's registry: the function runs images from ${registryDescription(target)} only. ${theFix(target)}`);
  }
  if (!reference.tag && !reference.digest) {
    throw new UsageError(`--image ${uri} names no tag or digest: add :<tag> or @sha256:<digest>, as pushed.`);
  }
  return reference;
}
