/**
 * `dev --image`: the handler runs in containers of the image `build` makes,
 * one per running batch (./containerProcess.ts), instead of Node processes
 * on this machine. Each generation of the code (the start, each reload) is
 * bundled as before (the files to watch, the payload types), then built into
 * the image — the bundle is its last layer, so a rebuild takes seconds — and
 * the next containers run it.
 *
 * The image must be one this engine runs natively: Lambda runs the function on
 * its own architecture, and an emulated image behaves (and fails) differently,
 * so an image of the other architecture is refused with the fix.
 */
import type Docker from "dockerode";
import { UsageError } from "../../errors.js";
import { buildImage } from "../../image/build.js";
import { connectEngine } from "../../image/engine.js";
import { architectureForDocker, architectureForPlatform, platformForArchitecture, type ImagePlatform, type LambdaArchitecture } from "../../image/platform.js";
import type { Settings } from "../../project/settings.js";
import type { WorkerPaths } from "../../project/paths.js";
import { ContainerProcess } from "./containerProcess.js";
import type { HandlerProcessOptions } from "./handlerProcess.js";
import type { GenerationBuild, PoolProcess } from "./invoker.js";

export interface DevImageOptions {
  /** build's --base-image (default: AWS's Node base image). */
  baseImage?: string;
  /** build's --platform (default: LETSGO_WORKER_ARCHITECTURE's). */
  platform?: ImagePlatform;
  /** An engine to use instead of the one at DOCKER_HOST (tests). */
  docker?: Docker;
}

export interface ImageRunner {
  readonly platform: ImagePlatform;
  /** The image the latest generation built, once one has. */
  readonly image: string | undefined;
  /** Wrap the generation's bundle: bundle, then build the image from it. */
  build(bundle: () => Promise<GenerationBuild>): () => Promise<GenerationBuild>;
  createProcess(options: HandlerProcessOptions): PoolProcess;
}

export async function imageRunner(settings: Settings, paths: WorkerPaths, options: DevImageOptions): Promise<ImageRunner> {
  const docker = options.docker ?? (await connectEngine()).docker;
  const platform = options.platform ?? platformForArchitecture(settings.LETSGO_WORKER_ARCHITECTURE as LambdaArchitecture);
  const engineArchitecture = architectureForDocker(String((await docker.version()).Arch));
  if (engineArchitecture !== architectureForPlatform(platform)) {
    throw new UsageError(
      `dev --image runs the image as the function runs it, natively: this engine runs ${engineArchitecture ?? "another architecture"} images, ` +
        `and the function's is ${architectureForPlatform(platform)} (${platform}). Under emulation it would not behave as in Lambda. ` +
        `Run dev --image on a ${architectureForPlatform(platform)} machine, or set LETSGO_WORKER_ARCHITECTURE=${engineArchitecture} in apps/worker/.env (and deploy that).`,
    );
  }
  let image: string | undefined;
  return {
    platform,
    get image() {
      return image;
    },
    build: (bundle) => async () => {
      const bundled = await bundle();
      if (!bundled.ok) return bundled;
      try {
        const built = await buildImage({ cwd: paths.root, docker, platform, typecheck: false, ...(options.baseImage ? { baseImage: options.baseImage } : {}) });
        image = built.reference;
        return { ok: true, file: built.reference, files: bundled.files };
      } catch (error) {
        return { ok: false, error: `the image did not build: ${(error as Error).message}`, files: bundled.files };
      }
    },
    createProcess: (processOptions) => new ContainerProcess({ ...processOptions, docker, ephemeralStorageMb: settings.LETSGO_WORKER_EPHEMERAL_STORAGE }),
  };
}
