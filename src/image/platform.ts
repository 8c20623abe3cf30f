/** Lambda architectures and the Docker platforms that build for them. */
import { UsageError } from "../errors.js";

export type LambdaArchitecture = "arm64" | "x86_64";
export type ImagePlatform = "linux/arm64" | "linux/amd64";

const BY_ARCHITECTURE: Record<LambdaArchitecture, ImagePlatform> = {
  arm64: "linux/arm64",
  x86_64: "linux/amd64",
};

export function platformForArchitecture(architecture: LambdaArchitecture): ImagePlatform {
  return BY_ARCHITECTURE[architecture];
}

export function architectureForPlatform(platform: ImagePlatform): LambdaArchitecture {
  return platform === "linux/arm64" ? "arm64" : "x86_64";
}

/** Check a `--platform` value; Lambda runs only these two. */
export function parsePlatform(value: string): ImagePlatform {
  if (value === "linux/arm64" || value === "linux/amd64") return value;
  throw new UsageError(`--platform must be linux/arm64 or linux/amd64 (the two Lambda architectures), got "${value}".`);
}

/** The `Architecture` field Docker reports in an image's inspect data. */
export function dockerArchitecture(platform: ImagePlatform): string {
  return platform === "linux/arm64" ? "arm64" : "amd64";
}

/** The Lambda architecture of a Docker/OCI `architecture` value (`amd64`, `arm64`); undefined for one Lambda cannot run. */
export function architectureForDocker(architecture: string): LambdaArchitecture | undefined {
  if (architecture === "arm64" || architecture === "aarch64") return "arm64";
  if (architecture === "amd64" || architecture === "x86_64") return "x86_64";
  return undefined;
}

/**
 * `build --platform` that the function would not run: the warning to print,
 * or undefined when the platform matches LETSGO_WORKER_ARCHITECTURE.
 */
export function platformMismatchWarning(platform: ImagePlatform, functionArchitecture: LambdaArchitecture): string | undefined {
  const built = architectureForPlatform(platform);
  if (built === functionArchitecture) return undefined;
  return (
    `--platform ${platform} builds an ${built} image, but LETSGO_WORKER_ARCHITECTURE is ${functionArchitecture}: ` +
    `the function will not run this image unless you set LETSGO_WORKER_ARCHITECTURE=${built} (in apps/worker/.env).`
  );
}
