/**
 * The Dockerfile of a worker image. Only the bundle is copied in, as the last
 * layer, so the base layers stay cached and shared; packages that cannot be
 * bundled are installed by npm inside the image (for the image's own platform).
 */

export const DEFAULT_BASE_IMAGE = "public.ecr.aws/lambda/nodejs:22";

/** The Node.js major version a function built on the default base image runs. */
export const DEPLOYED_NODE_MAJOR = Number(/nodejs:(\d+)/.exec(DEFAULT_BASE_IMAGE)![1]);

/** ${LAMBDA_TASK_ROOT} in AWS's base images: where the code and installed packages go. */
export const TASK_ROOT = "/var/task";

/** File names inside the build context and in ${LAMBDA_TASK_ROOT}. */
export const BUNDLE_FILE = "index.mjs";
export const SOURCE_MAP_FILE = "index.mjs.map";
export const INSTALL_MANIFEST_FILE = "package.json";

export interface DockerfileOptions {
  baseImage: string;
  /** Packages installed with npm in the image, `name -> version range`. */
  install?: Record<string, string>;
  /** Image labels (deployment, tool version). */
  labels?: Record<string, string>;
}

export function renderDockerfile({ baseImage, install = {}, labels = {} }: DockerfileOptions): string {
  const lines = [`FROM ${baseImage}`];
  // Metadata first: these steps stay cached when only the code changes.
  const labelPairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  if (labelPairs.length > 0) lines.push(`LABEL ${labelPairs.join(" ")}`);
  lines.push(
    // Stack traces in CloudWatch point at the TypeScript sources.
    "ENV NODE_OPTIONS=--enable-source-maps",
    'CMD ["index.handler"]',
  );
  if (Object.keys(install).length > 0) {
    lines.push(
      // Installed before the bundle is copied, so a code change reuses this layer.
      `COPY ${INSTALL_MANIFEST_FILE} \${LAMBDA_TASK_ROOT}/`,
      "RUN cd ${LAMBDA_TASK_ROOT} && npm install --omit=dev --no-audit --no-fund --no-package-lock --cache /tmp/npm-cache && rm -rf /tmp/npm-cache",
    );
  }
  lines.push(`COPY ${BUNDLE_FILE} ${SOURCE_MAP_FILE} \${LAMBDA_TASK_ROOT}/`);
  return lines.join("\n") + "\n";
}

/** The package.json npm installs from inside the image: sorted, so the bytes are stable. */
export function renderInstallManifest(install: Record<string, string>): string {
  const dependencies: Record<string, string> = {};
  for (const name of Object.keys(install).sort()) dependencies[name] = install[name]!;
  return JSON.stringify({ name: "letsgo-worker-image", private: true, dependencies }, null, 2) + "\n";
}
