/**
 * The platform of an image in a registry, as `deploy --image` needs it: from
 * the registry's manifest and config blob; when the registry cannot give them,
 * from the local engine's copy. A registry that cannot be read is said so
 * (`unreadable`), never guessed.
 */
import type Docker from "dockerode";
import { errorMessage } from "../errors.js";
import { inspectImage } from "./engine.js";
import { configPlatform, parseManifest, type FetchedManifest, type IndexEntry, type ManifestSource, type Platform } from "./manifest.js";

export type RemotePlatform =
  /** `from`: the registry, or the local engine's copy (`why`: what the registry did not give). */
  | { kind: "image"; platform: Platform; from: "registry" | "engine"; why?: string }
  /** A manifest list / OCI index: several images, one per platform. */
  | { kind: "index"; entries: IndexEntry[] }
  /** The registry answered that there is no such image. */
  | { kind: "missing" }
  | { kind: "unreadable"; reason: string };

export interface RemotePlatformOptions {
  /** `registry/name:tag` or `@digest`, for the local engine's lookup by name. */
  uri: string;
  /** The local engine, if one answers; asked only when the registry fails us. */
  engine?: () => Promise<Docker | undefined>;
}

export async function readRemotePlatform(source: ManifestSource, reference: string, options: RemotePlatformOptions): Promise<RemotePlatform> {
  let manifest: FetchedManifest | undefined;
  try {
    manifest = await source.manifest(reference);
  } catch (error) {
    // The registry could not be asked at all: only a local copy of that name can tell.
    return fromEngine(options, { reference: options.uri }, `the registry did not answer (${errorMessage(error)})`);
  }
  if (!manifest) return { kind: "missing" };
  let configDigest: string;
  try {
    const parsed = parseManifest(manifest);
    if (parsed.kind === "index") return parsed;
    configDigest = parsed.configDigest;
  } catch (error) {
    return { kind: "unreadable", reason: errorMessage(error) };
  }
  try {
    return { kind: "image", platform: configPlatform(await source.blob(configDigest), configDigest), from: "registry" };
  } catch (error) {
    // The manifest names the config by digest, and a local image's id is that digest: a copy with that id is the same image.
    return fromEngine(options, { reference: configDigest }, `the registry gave the manifest but not its config (${errorMessage(error)})`);
  }
}

async function fromEngine(options: RemotePlatformOptions, local: { reference: string }, why: string): Promise<RemotePlatform> {
  const docker = await options.engine?.().catch(() => undefined);
  if (!docker) return { kind: "unreadable", reason: `${why}, and no local Docker engine answered to look for a copy` };
  const image = await inspectImage(docker, local.reference).catch(() => undefined);
  if (!image) return { kind: "unreadable", reason: `${why}, and the local Docker engine has no copy of it` };
  return { kind: "image", platform: { os: image.Os, architecture: image.Architecture, ...(image.Variant ? { variant: image.Variant } : {}) }, from: "engine", why };
}
