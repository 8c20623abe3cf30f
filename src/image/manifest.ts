/**
 * Reading an image's platform from what a registry serves (Docker Registry
 * HTTP API v2 / OCI distribution): the manifest names the config blob, and the
 * config says `os` and `architecture`. A manifest list (OCI index) names the
 * platform of each image it holds instead. Pure: the bytes come from a
 * ManifestSource (src/image/registry.ts, or ECR's API in src/aws/deployImage.ts).
 */
import { createHash } from "node:crypto";

export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
] as const;

/** Where manifests and blobs come from; one narrow interface for a registry's HTTP API and ECR's. */
export interface ManifestSource {
  /** The manifest of a tag or digest; undefined when the registry answers that there is no such image. */
  manifest(reference: string): Promise<FetchedManifest | undefined>;
  /** A blob's bytes (here: the image's config). */
  blob(digest: string): Promise<Buffer>;
}

export interface FetchedManifest {
  body: string;
  /** From the Content-Type header (or ECR's imageManifestMediaType), when given. */
  mediaType?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry {
  digest: string;
  platform: Platform;
}

export type ParsedManifest = { kind: "image"; configDigest: string } | { kind: "index"; entries: IndexEntry[] };

/** A manifest's JSON: an image (its config's digest) or an index (its images and their platforms). */
export function parseManifest(manifest: FetchedManifest): ParsedManifest {
  let json: {
    mediaType?: string;
    config?: { digest?: unknown };
    manifests?: Array<{ digest?: unknown; platform?: Partial<Platform>; annotations?: Record<string, string> }>;
  };
  try {
    json = JSON.parse(manifest.body);
  } catch {
    throw new Error("the registry's manifest is not JSON");
  }
  if (Array.isArray(json.manifests)) {
    const entries = json.manifests.flatMap((entry) => {
      const platform = entry.platform;
      // BuildKit's provenance attestations sit in the index as "unknown/unknown" entries: not images.
      if (entry.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return [];
      if (typeof entry.digest !== "string" || !platform?.os || !platform.architecture || platform.os === "unknown") return [];
      return [{ digest: entry.digest, platform: { os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) } }];
    });
    return { kind: "index", entries };
  }
  if (typeof json.config?.digest === "string") return { kind: "image", configDigest: json.config.digest };
  const type = manifest.mediaType ?? json.mediaType ?? "no media type";
  throw new Error(`the registry's manifest (${type}) names no config: not a Docker v2 or OCI image manifest`);
}

/** The platform an image config (the config blob) declares; checks the bytes against their digest first. */
export function configPlatform(config: Buffer, digest: string): Platform {
  const [algorithm, expected] = digest.split(":");
  if (algorithm === "sha256" && createHash("sha256").update(config).digest("hex") !== expected) {
    throw new Error(`the config blob does not match its digest ${digest}`);
  }
  let json: { os?: unknown; architecture?: unknown; variant?: unknown };
  try {
    json = JSON.parse(config.toString("utf8"));
  } catch {
    throw new Error("the image's config blob is not JSON");
  }
  if (typeof json.os !== "string" || typeof json.architecture !== "string") throw new Error("the image's config names no os and architecture");
  return { os: json.os, architecture: json.architecture, ...(typeof json.variant === "string" ? { variant: json.variant } : {}) };
}

/** `linux/arm64`, `linux/arm/v7`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}
