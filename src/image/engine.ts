/**
 * Talking to the Docker engine through its API (dockerode): no `docker` CLI.
 * The engine is the one at DOCKER_HOST, or the default local socket.
 */
import { Readable } from "node:stream";
import Docker from "dockerode";
import { errorMessage } from "../errors.js";
import { DockerUnavailableError, ImageBuildError } from "./errors.js";
import { dockerArchitecture, type ImagePlatform } from "./platform.js";

export interface Engine {
  docker: Docker;
  /** Where we looked, for messages. */
  host: string;
}

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || "unix:///var/run/docker.sock (default)";
}

/** Connect and check the engine answers `/_ping`, with a message that says how to start one. */
export async function connectEngine(options: { timeoutMs?: number } = {}): Promise<Engine> {
  const host = engineAddress();
  let docker: Docker;
  try {
    docker = new Docker();
  } catch (error) {
    throw new DockerUnavailableError(`DOCKER_HOST="${process.env.DOCKER_HOST}" is not usable: ${errorMessage(error)}. Use e.g. unix:///var/run/docker.sock or tcp://127.0.0.1:2375.`, { cause: error });
  }
  try {
    // dockerode accepts an abort signal on ping; its type definitions do not say so.
    const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
  } catch (error) {
    throw new DockerUnavailableError(
      [
        `No Docker engine answered at ${host} (${errorMessage(error)}).`,
        "`build` needs a running Docker engine. Start one, then run build again:",
        "  - Docker Desktop: open it and wait until it says it is running;",
        "  - Linux: `sudo systemctl start docker` (or `sudo dockerd &`);",
        "  - Colima / Podman machine / a remote engine: set DOCKER_HOST, e.g. DOCKER_HOST=unix:///path/to/docker.sock.",
      ].join("\n"),
      { cause: error },
    );
  }
  return { docker, host };
}

export async function inspectImage(docker: Docker, reference: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(reference).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** One line of the engine's JSON progress stream (build, pull and push alike). */
export interface StreamEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Read a newline-delimited JSON stream to its end; engine errors inside it are thrown. */
export async function followStream(stream: NodeJS.ReadableStream, onEvent: (event: StreamEvent) => void): Promise<void> {
  let pending = "";
  let failure: string | undefined;
  const handle = (line: string) => {
    if (line.trim() === "") return;
    let event: StreamEvent;
    try {
      event = JSON.parse(line) as StreamEvent;
    } catch {
      event = { stream: line };
    }
    if (event.error || event.errorDetail?.message) failure ??= event.errorDetail?.message ?? event.error;
    onEvent(event);
  };
  for await (const chunk of stream) {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(handle);
  }
  handle(pending);
  if (failure !== undefined) throw new ImageBuildError(failure.trim());
}

/**
 * Make sure the engine has the base image for the platform: use the local one
 * when its architecture matches, else pull it. Returns its inspect data.
 */
export async function ensureBaseImage(
  docker: Docker,
  reference: string,
  platform: ImagePlatform,
  onLine: (line: string) => void,
): Promise<Docker.ImageInspectInfo> {
  const local = await inspectImage(docker, reference);
  if (local && local.Architecture === dockerArchitecture(platform)) return local;
  onLine(`Pulling ${reference} for ${platform}...`);
  try {
    const stream = await docker.pull(reference, { platform });
    await followStream(stream, (event) => {
      if (event.status && !event.progress) onLine(`${event.id ? `${event.id}: ` : ""}${event.status}`);
    });
  } catch (error) {
    const have = local ? ` The engine has ${reference} for ${local.Os}/${local.Architecture} only.` : "";
    throw new ImageBuildError(
      `Could not pull the base image ${reference} for ${platform}: ${errorMessage(error).trim()}.${have}\n` +
        `Check the engine can reach the registry, or pass --base-image with an image the engine already has` +
        `${local ? ", or --platform to match it" : ""}.`,
      { cause: error },
    );
  }
  const pulled = await inspectImage(docker, reference);
  if (!pulled || pulled.Architecture !== dockerArchitecture(platform)) {
    throw new ImageBuildError(`${reference} has no ${platform} variant: pass --base-image with one that does, or another --platform.`);
  }
  return pulled;
}

export interface BuildRequest {
  context: Buffer;
  reference: string;
  platform: ImagePlatform;
  /** Build steps need the network only to npm-install packages in the image. */
  network: boolean;
}

/** Run the build (the engine's classic builder) and return the new image's id. */
export async function runBuild(docker: Docker, request: BuildRequest, onLine: (line: string) => void): Promise<string> {
  let imageId: string | undefined;
  const stream = await docker.buildImage(Readable.from([request.context]), {
    t: request.reference,
    platform: request.platform,
    rm: true,
    forcerm: true,
    ...(request.network ? {} : { networkmode: "none" }),
  });
  let step = "";
  try {
    await followStream(stream, (event) => {
      if (event.aux?.ID) imageId = event.aux.ID;
      const text = event.stream ?? event.status;
      if (!text) return;
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        if (/^Step \d+\/\d+ :/.test(line)) step = line.trim();
        onLine(line.trimEnd());
      }
    });
  } catch (error) {
    if (!(error instanceof ImageBuildError)) throw error;
    throw new ImageBuildError(`Building ${request.reference} failed${step ? ` at "${step}"` : ""}: ${error.message}`, { cause: error });
  }
  if (!imageId) imageId = (await inspectImage(docker, request.reference))?.Id;
  if (!imageId) throw new ImageBuildError(`The engine finished building ${request.reference} but has no such image.`);
  return imageId;
}
