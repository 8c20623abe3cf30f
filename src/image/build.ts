/**
 * `build`: bundle the worker, put the bundle on a Lambda Node 22 base image and
 * tag it with a hash of its content. An unchanged worker gets the same tag, so
 * an image already in the engine is reused without running a build, and deploy
 * can skip the push.
 */
import type Docker from "dockerode";
import { loadSettings } from "../project/settings.js";
import { resourceNames } from "../project/names.js";
import { workerPaths } from "../project/paths.js";
import { TypeCheckFailedError, typecheckWorker } from "../project/typecheck.js";
import { VERSION } from "../version.js";
import { bundleWorker } from "./bundle.js";
import { contentHash, contextFiles, contextTar } from "./context.js";
import { DEFAULT_BASE_IMAGE, TASK_ROOT } from "./dockerfile.js";
import { connectEngine, ensureBaseImage, inspectImage, runBuild } from "./engine.js";
import { architectureForPlatform, platformForArchitecture, platformMismatchWarning, type ImagePlatform, type LambdaArchitecture } from "./platform.js";
import { imageNativeAddons, nativeAddonWarnings } from "./nativeModules.js";
import { assertNoSecrets } from "./secretGuard.js";
import { readImageInstalls } from "./workerPackage.js";

export interface BuildProgress {
  phase: "typecheck" | "bundle" | "base-image" | "build";
  message: string;
}

export interface BuildImageOptions {
  /** Project root (holding apps/worker). */
  cwd: string;
  /** Overrides LETSGO_DEPLOYMENT from apps/worker/.env. */
  deployment?: string;
  /** Default: the platform of LETSGO_WORKER_ARCHITECTURE; another one builds, with a warning (the function would not run it). */
  platform?: ImagePlatform;
  baseImage?: string;
  onProgress?: (event: BuildProgress) => void;
  /** An engine to use instead of the one at DOCKER_HOST / the default socket. */
  docker?: Docker;
  /** Type-check the worker first and refuse on errors (default true; --no-typecheck). */
  typecheck?: boolean;
}

export interface BuiltImage {
  /** Local image name, `letsgo-worker-<deployment>`. */
  repository: string;
  /** The content hash. */
  tag: string;
  /** `repository:tag`. */
  reference: string;
  imageId: string;
  platform: ImagePlatform;
  architecture: LambdaArchitecture;
  baseImage: string;
  baseImageId: string;
  bundleBytes: number;
  sourceMapBytes: number;
  imageBytes: number;
  baseImageBytes: number;
  /** True when an image with this tag already existed and no build ran. */
  skipped: boolean;
  /** Packages npm installed in the image (`letsgo-worker.install` in apps/worker/package.json). */
  installed: Record<string, string>;
  /** esbuild's warnings, and a platform the function (LETSGO_WORKER_ARCHITECTURE) would not run. */
  warnings: string[];
  /** The type check before the bundle: how long it took and which compiler; "skipped" with --no-typecheck. */
  typecheck: { ms: number; compiler: string } | "skipped";
}

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const progress = options.onProgress ?? (() => {});
  const paths = workerPaths(options.cwd);
  const { settings, extra, envFile } = await loadSettings(paths.root, { LETSGO_DEPLOYMENT: options.deployment });
  const names = resourceNames(settings.LETSGO_DEPLOYMENT);
  const functionArchitecture = settings.LETSGO_WORKER_ARCHITECTURE as LambdaArchitecture;
  const platform = options.platform ?? platformForArchitecture(functionArchitecture);
  const platformWarning = platformMismatchWarning(platform, functionArchitecture);
  const baseImage = options.baseImage ?? DEFAULT_BASE_IMAGE;

  // Types, then the bundle: code mistakes show up without needing Docker.
  const typecheck = options.typecheck === false ? "skipped" : await checkTypes(paths.root, progress);
  const installed = await readImageInstalls(paths.workerPackageJson);
  progress({ phase: "bundle", message: `Bundling ${paths.entry}` });
  const bundle = await bundleWorker({ cwd: paths.root, external: Object.keys(installed) });
  const labels = {
    "letsgo.deployment": names.deployment,
    "letsgo.component": "worker",
    "letsgo-worker.version": VERSION,
  };
  const files = contextFiles({ baseImage, bundle: bundle.code, sourceMap: bundle.sourceMap, install: installed, labels });
  // Everything that goes into the image, and the project files the bundle loads: no secret from .env, no private key.
  assertNoSecrets({ ...settings, ...extra }, [...files, ...bundle.loaded], envFile);

  const docker = options.docker ?? (await connectEngine()).docker;
  const base = await ensureBaseImage(docker, baseImage, platform, (message) => progress({ phase: "base-image", message }));
  const tag = contentHash({ files, baseImage, baseImageId: base.Id, platform });
  const reference = `${names.image}:${tag}`;

  let image = await inspectImage(docker, reference);
  const skipped = image !== undefined;
  if (!image) {
    progress({ phase: "build", message: `Building ${reference} for ${platform}` });
    const network = Object.keys(installed).length > 0;
    await runBuild(docker, { context: contextTar(files), reference, platform, network }, (message) =>
      progress({ phase: "build", message }),
    );
    image = await inspectImage(docker, reference);
    if (!image) throw new Error(`built ${reference} but the engine does not list it`);
  } else {
    progress({ phase: "build", message: `${reference} is up to date: nothing to build` });
  }
  // Only installed packages can bring native addons: the bundle is one JavaScript file.
  const addonWarnings = Object.keys(installed).length > 0 ? nativeAddonWarnings(await imageNativeAddons(docker, reference, TASK_ROOT), platform) : [];

  return {
    repository: names.image,
    tag,
    reference,
    imageId: image.Id,
    platform,
    architecture: architectureForPlatform(platform),
    baseImage,
    baseImageId: base.Id,
    bundleBytes: bundle.code.length,
    sourceMapBytes: bundle.sourceMap.length,
    imageBytes: image.Size,
    baseImageBytes: base.Size,
    skipped,
    installed,
    // Returned, not shown as progress: the caller prints them even when progress is off.
    warnings: [...(platformWarning ? [platformWarning] : []), ...addonWarnings, ...bundle.warnings, ...(typecheck === "skipped" ? [TYPECHECK_SKIPPED] : [])],
    typecheck,
  };
}

/** What a build without its type check says, wherever it is shown (the deploy plan too). */
export const TYPECHECK_SKIPPED = "type check skipped (--no-typecheck): type errors in the worker would ship";

async function checkTypes(root: string, progress: (event: BuildProgress) => void): Promise<{ ms: number; compiler: string }> {
  progress({ phase: "typecheck", message: "Type-checking apps/worker" });
  const result = await typecheckWorker(root);
  if (result.total > 0) throw new TypeCheckFailedError(result, "The build");
  progress({ phase: "typecheck", message: `Types: no errors (${(result.ms / 1000).toFixed(1)} s, ${result.compiler})` });
  return { ms: result.ms, compiler: result.compiler };
}
