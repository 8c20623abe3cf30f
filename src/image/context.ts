/**
 * The build context, made in memory from the bundle: nothing is read from the
 * user's project directory, and a guard refuses any path that must never reach
 * an image (settings and secrets, local state, installed packages).
 */
import { createHash } from "node:crypto";
import { LetsgoError } from "../errors.js";
import { tarArchive } from "./tar.js";
import {
  BUNDLE_FILE,
  INSTALL_MANIFEST_FILE,
  SOURCE_MAP_FILE,
  renderDockerfile,
  renderInstallManifest,
} from "./dockerfile.js";

export interface ContextFile {
  name: string;
  data: Buffer;
}

/** Like .dockerignore, but enforced: `.env*`, `.letsgo/` and `node_modules/` anywhere. */
const FORBIDDEN_SEGMENT = /^(\.env(\..*)?|\.letsgo|node_modules)$/;

export function isForbiddenContextPath(name: string): boolean {
  return name.split("/").some((segment) => FORBIDDEN_SEGMENT.test(segment));
}

export interface ContextInput {
  baseImage: string;
  bundle: Buffer;
  sourceMap: Buffer;
  install?: Record<string, string>;
  labels?: Record<string, string>;
}

export function contextFiles({ baseImage, bundle, sourceMap, install = {}, labels = {} }: ContextInput): ContextFile[] {
  const files: ContextFile[] = [
    { name: "Dockerfile", data: Buffer.from(renderDockerfile({ baseImage, install, labels })) },
    { name: BUNDLE_FILE, data: bundle },
    { name: SOURCE_MAP_FILE, data: sourceMap },
  ];
  if (Object.keys(install).length > 0) {
    files.push({ name: INSTALL_MANIFEST_FILE, data: Buffer.from(renderInstallManifest(install)) });
  }
  return files;
}

export function contextTar(files: readonly ContextFile[]): Buffer {
  for (const file of files) {
    if (isForbiddenContextPath(file.name)) {
      // Only our own code builds contexts, so this is a bug, not a user mistake.
      throw new LetsgoError(`Refusing to put ${file.name} into an image build context (it may hold secrets or local state).`);
    }
  }
  return tarArchive(files.map((file) => ({ name: file.name, data: file.data })));
}

export interface HashInput {
  files: readonly ContextFile[];
  /** Base image reference and the id the engine resolved it to: a new base gives a new tag. */
  baseImage: string;
  baseImageId: string;
  platform: string;
}

/** The image tag: a hash of everything that goes into the image, and nothing else. */
export function contentHash({ files, baseImage, baseImageId, platform }: HashInput): string {
  const hash = createHash("sha256");
  const field = (value: string | Buffer) => {
    const bytes = typeof value === "string" ? Buffer.from(value) : value;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field("letsgo-worker-image/1");
  field(platform);
  field(baseImage);
  field(baseImageId);
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    field(file.name);
    field(file.data);
  }
  return hash.digest("hex").slice(0, 20);
}
