import v8 from "node:v8";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { devFlagSettings } from "../project/settings.js";
import { info, style } from "./output.js";

interface DevFlags {
  cwd: string;
  port?: string;
  host?: string;
  watch: boolean;
  schedule: boolean;
  json?: boolean;
  verbose?: boolean;
  awsCredentials?: boolean;
  passEnv?: string[];
  typecheck: boolean;
  atLeastOnce?: boolean;
  image?: boolean;
  baseImage?: string;
  platform?: string;
  [flag: string]: unknown;
}

/**
 * V8 grows its young generation from 2 MB to 32 MB in a burst of allocation and
 * seldom gives it back: the burst of starting (bundling and loading the
 * handler) left an idle dev holding ~30 MB of empty space. The growth is held
 * off while dev starts, then allowed again (V8's default factor, 2): under load
 * a larger young generation is cheaper (a fixed 2 MB one cost ~15% more CPU per
 * message). Node keeps V8's flags writable at run time; a flag V8 no longer
 * knows is ignored.
 */
function holdYoungGenerationWhileStarting(): () => void {
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  let done = false;
  return () => {
    if (!done) v8.setFlagsFromString("--semi-space-growth-factor=2");
    done = true;
  };
}

export function register(program: Command): void {
  const command = program
    .command("dev")
    .description(
      "Run the worker locally: a durable queue that behaves like SQS + Lambda in front of your handler, its schedule, and a Stripe webhook endpoint (POST /stripe), on http://127.0.0.1:3002.",
    )
    .option("--cwd <dir>", "project directory", ".")
    .option("--port <port>", "port to listen on (default: the port of LETSGO_LOCAL_QUEUE_URL, 3002); 0 picks a free one")
    .option(
      "--host <host>",
      "interface to listen on; use 0.0.0.0 only if other machines must reach it. Requests must be addressed to a loopback name or this address, and browser requests must come from a loopback origin",
      "127.0.0.1",
    )
    .option("--no-watch", "do not reload the handler when a file it loaded changes, nor re-read apps/worker/.env")
    .option("--no-schedule", "do not fire the scheduled handler on LETSGO_WORKER_SCHEDULE (POST /schedule and `schedule run` still fire it)")
    .option("--json", "log one JSON object per line")
    .option("--verbose", "under a failed message, print its whole stack (default: the first frames of your code)")
    .option(
      "--at-least-once",
      "deliver as an SQS standard queue may: about 1 in 10 handled messages once more, and batches in shuffled order, so handlers that are not idempotent or rely on order fail here first",
    )
    .option(
      "--aws-credentials",
      "give handlers your AWS credentials (AWS_* variables, ~/.aws). Default: none, as a deployed function has only its role's; without this the AWS SDK in a handler finds no credentials",
    )
    .option("--no-typecheck", "do not type-check the worker in the background after each change (by default errors are shown; delivery goes on either way)")
    .option(
      "--pass-env <names...>",
      "give handlers these variables of your shell too (names, or PREFIX_* patterns; repeat or separate with commas). Default: none: a handler's environment is what Lambda gives the function, plus apps/worker/.env",
    )
    .option(
      "--image",
      "run each batch in a container of the image `build` makes (rebuilt on each change), through Lambda's Runtime API: the image's Node, OS and files, /tmp the only writable path, the memory setting as the container's limit. Needs a Docker engine (DOCKER_HOST)",
    )
    .option("--base-image <ref>", "with --image: the base image to build on (as build's; default public.ecr.aws/lambda/nodejs:22)")
    .option("--platform <platform>", "with --image: linux/arm64 or linux/amd64 (default: from LETSGO_WORKER_ARCHITECTURE); it must be the engine's own, as Lambda runs the function natively");
  // The settings table says which settings dev takes as flags; loadSettings checks their values.
  for (const { key, flag, unit } of devFlagSettings()) command.option(`--${flag} <${unit}>`, `override ${key}`);
  command.action(async (flags: DevFlags) => {
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new UsageError(`--port must be a port number (0-65535), got "${flags.port}".`);
    }
    const overrides: Record<string, string | undefined> = {};
    for (const { key, name } of devFlagSettings()) overrides[key] = flags[name] as string | undefined;

    if (!flags.image && (flags.baseImage !== undefined || flags.platform !== undefined)) {
      throw new UsageError(`${flags.baseImage !== undefined ? "--base-image" : "--platform"} goes with --image (it chooses how the image is built).`);
    }
    const { parsePlatform } = await import("../image/platform.js");
    const image = flags.image ? { ...(flags.baseImage ? { baseImage: flags.baseImage } : {}), ...(flags.platform ? { platform: parsePlatform(flags.platform) } : {}) } : undefined;
    const { parsePassEnv } = await import("../dev/pool/handlerWorld.js");
    const passEnv = parsePassEnv(flags.passEnv ?? []);
    const startingDone = holdYoungGenerationWhileStarting();
    const { startDevWorker } = await import("../dev/worker.js");
    const { attachConsole } = await import("../dev/console/consoleLog.js");
    const worker = await startDevWorker({ projectDir: flags.cwd, port, host: flags.host, watch: flags.watch, schedule: flags.schedule, overrides, awsCredentials: Boolean(flags.awsCredentials), passEnv, typecheck: flags.typecheck, atLeastOnce: Boolean(flags.atLeastOnce), ...(image ? { image } : {}) });
    const detach = attachConsole(worker, {
      json: Boolean(flags.json),
      out: (text) => process.stdout.write(text),
      style,
      projectDir: flags.cwd,
      watching: flags.watch,
      verbose: Boolean(flags.verbose),
    });
    // Starting ends once the handler's first load is over, whichever way it went.
    if (worker.handler.loaded || worker.handler.error !== undefined) startingDone();
    else {
      worker.once("handler:loaded", startingDone);
      worker.once("handler:load-error", startingDone);
    }
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    if (!flags.json) info(style.dim(`\n${signal}: finishing running batches and flushing the queue to disk…`));
    // A second Ctrl-C means "now": everything accepted is already on disk.
    const force = () => process.kill(process.pid, "SIGKILL");
    process.once("SIGINT", force);
    process.once("SIGTERM", force);
    await worker.close();
    detach();
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
  });
}
