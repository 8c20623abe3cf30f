/** The image builder's public surface (used by the `build` and `deploy` commands). */
export { buildImage } from "./build.js";
export type { BuildImageOptions, BuiltImage, BuildProgress } from "./build.js";
export { bundleWorker, runtimeEntry, BASE_IMAGE_PROVIDES } from "./bundle.js";
export type { BundleOptions, WorkerBundle } from "./bundle.js";
export { connectEngine, engineAddress, inspectImage, followStream } from "./engine.js";
export type { Engine } from "./engine.js";
export { DEFAULT_BASE_IMAGE, renderDockerfile } from "./dockerfile.js";
export { isForbiddenContextPath, contentHash } from "./context.js";
export { parsePlatform, platformForArchitecture, architectureForPlatform, architectureForDocker, platformMismatchWarning } from "./platform.js";
export type { ImagePlatform, LambdaArchitecture } from "./platform.js";
export { parseManifest, configPlatform, formatPlatform, MANIFEST_MEDIA_TYPES } from "./manifest.js";
export type { ManifestSource, FetchedManifest, Platform, IndexEntry, ParsedManifest } from "./manifest.js";
export { registryManifestSource, registryBaseUrl } from "./registry.js";
export { readRemotePlatform } from "./remotePlatform.js";
export type { RemotePlatform } from "./remotePlatform.js";
export { BundleError, DockerUnavailableError, ImageBuildError } from "./errors.js";
export { INSTALL_KEY } from "./workerPackage.js";
