/**
 * Native addons (`.node` files) in the built image, checked against the
 * image's platform. A package installed in the image (`letsgo-worker.install`)
 * may ship a prebuilt binary for one machine only; loaded on another, Node
 * fails with ERR_DLOPEN_FAILED at the first message in Lambda (the loader
 * says "cannot open shared object file", or "invalid ELF header" for a macOS
 * build). `build` reads the header of each addon under ${LAMBDA_TASK_ROOT}
 * and warns before anything is deployed.
 */
import type Docker from "dockerode";
import tar from "tar-stream";
import type { ImagePlatform } from "./platform.js";

/** What an addon's first bytes say it was built for. */
export interface NativeBuild {
  /** `linux/amd64`, `linux/arm64`, ... when it is an ELF file Linux loads; else a description. */
  platform: string;
  loadsOnLinux: boolean;
}

/** ELF e_machine values, as Docker names the architecture. */
const ELF_MACHINES: Record<number, string> = { 3: "386", 40: "arm", 62: "amd64", 183: "arm64", 243: "riscv64" };

/** Read an addon's header (its first 20 bytes suffice); undefined when it is no binary we know. */
export function nativeBuild(header: Uint8Array): NativeBuild | undefined {
  const bytes = Buffer.from(header);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    const littleEndian = bytes[5] === 1;
    const machine = littleEndian ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
    const arch = ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
    return { platform: `linux/${arch}`, loadsOnLinux: true };
  }
  if (bytes.length >= 4) {
    const magic = bytes.readUInt32BE(0);
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) return { platform: "macOS (Mach-O)", loadsOnLinux: false };
    if (bytes[0] === 0x4d && bytes[1] === 0x5a) return { platform: "Windows (PE)", loadsOnLinux: false };
  }
  return undefined;
}

export interface NativeAddon {
  /** Path in the image. */
  path: string;
  build: NativeBuild;
}

/** The warning for each addon the image's platform cannot load. */
export function nativeAddonWarnings(addons: readonly NativeAddon[], platform: ImagePlatform): string[] {
  return addons
    .filter((addon) => addon.build.platform !== platform)
    .map(
      (addon) =>
        `${addon.path} is built for ${addon.build.platform}, and the image runs ${platform}: the function fails to load it (ERR_DLOPEN_FAILED) ` +
        "at the first message. Install a version of the package with a build for the function's platform, or build it in the image (`letsgo-worker dev --image` shows the failure locally).",
    );
}

/** Every `.node` file under `dir` in the image, with what it was built for. Reads the folder through a container that is never started. */
export async function imageNativeAddons(docker: Docker, image: string, dir: string): Promise<NativeAddon[]> {
  const container = await docker.createContainer({ Image: image, Entrypoint: ["/nonexistent"], Cmd: [], NetworkDisabled: true, Labels: { "letsgo.build": "read-addons" } });
  try {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: dir });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return []; // nothing installed there
      throw error;
    }
    return await addonsInArchive(archive, dir);
  } finally {
    await container.remove({ force: true });
  }
}

/** Stream a tar of `dir` (as the engine archives it: entries under its base name), keeping only the headers of `.node` files. */
function addonsInArchive(archive: NodeJS.ReadableStream, dir: string): Promise<NativeAddon[]> {
  const parent = dir.replace(/\/[^/]*\/?$/, "");
  const addons: NativeAddon[] = [];
  const extract = tar.extract();
  return new Promise((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const wanted = header.type === "file" && header.name.endsWith(".node");
      stream.on("data", (chunk: Buffer) => {
        if (wanted && kept < 20) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      stream.on("end", () => {
        const build = wanted ? nativeBuild(Buffer.concat(chunks).subarray(0, 20)) : undefined;
        if (build) addons.push({ path: `${parent}/${header.name}`, build });
        next();
      });
      stream.resume();
    });
    extract.on("finish", () => resolve(addons.sort((a, b) => a.path.localeCompare(b.path))));
    extract.on("error", reject);
    archive.on("error", reject);
    archive.pipe(extract);
  });
}
