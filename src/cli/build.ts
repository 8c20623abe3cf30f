import type { Command } from "commander";
import { info, print, printJson, style, warn } from "./output.js";

interface BuildFlags {
  cwd: string;
  deployment?: string;
  platform?: string;
  baseImage?: string;
  json?: boolean;
  quiet?: boolean;
  typecheck: boolean;
}

export function register(program: Command): void {
  program
    .command("build")
    .description(
      "Bundle apps/worker with esbuild and build its Lambda container image with the Docker engine at DOCKER_HOST " +
        "(or the default socket). The tag is a hash of the image's content: an unchanged worker keeps its tag and is not rebuilt. " +
        'Packages that cannot be bundled (native addons) go under "letsgo-worker": { "install": ["name"] } in apps/worker/package.json ' +
        "and are installed with npm inside the image instead.",
    )
    .option("--cwd <dir>", "project directory", ".")
    .option("--deployment <name>", "deployment name (default: LETSGO_DEPLOYMENT in apps/worker/.env)")
    .option("--platform <platform>", "linux/arm64 or linux/amd64 (default: from LETSGO_WORKER_ARCHITECTURE; another one warns: the function would not run it)")
    .option("--base-image <ref>", "base image (default public.ecr.aws/lambda/nodejs:22)")
    .option("--no-typecheck", "build without type-checking apps/worker first (by default type errors refuse the build)")
    .option("--json", "print {reference, tag, imageId, sizes, warnings, ...} as JSON")
    .option("-q, --quiet", "do not show build progress")
    .action(async (flags: BuildFlags) => {
      const { buildImage, parsePlatform } = await import("../image/index.js");
      const result = await buildImage({
        cwd: flags.cwd,
        deployment: flags.deployment,
        platform: flags.platform === undefined ? undefined : parsePlatform(flags.platform),
        baseImage: flags.baseImage,
        typecheck: flags.typecheck,
        onProgress: flags.quiet ? undefined : (event) => info(style.dim(event.message)),
      });
      // On stderr whatever the output mode (and in --json's `warnings` too).
      for (const warning of result.warnings) warn(warning);
      if (flags.json) return printJson(result);
      print(`${result.skipped ? "Unchanged" : "Built"} ${style.bold(result.reference)} (${result.platform})`);
      print(`  bundle  ${formatBytes(result.bundleBytes)} (+ ${formatBytes(result.sourceMapBytes)} source map)`);
      print(`  image   ${formatBytes(result.imageBytes)}, ${formatBytes(result.imageBytes - result.baseImageBytes)} over ${result.baseImage}`);
      for (const [name, version] of Object.entries(result.installed)) print(`  npm     ${name}@${version} installed in the image`);
    });
}

function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1000) return `${bytes} B`;
  if (Math.abs(bytes) < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
