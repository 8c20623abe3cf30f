/** The lines `dev` prints at start: where it listens, what it runs, and where its world differs from Lambda's. */
import path from "node:path";
import { loadErrorSummary } from "../pool/loadError.js";
import { recoveryLines } from "../journal/recoveryReport.js";
import type { DevWorker } from "../devWorkerTypes.js";
import { awsRetriesInWords, retriesInWords, retrySettingsOf } from "../queue/retryTiming.js";
import type { ConsoleOptions } from "./consoleTypes.js";

export function banner(worker: DevWorker, options: ConsoleOptions): string[] {
  const { style } = options;
  const s = worker.settings;
  const stats = worker.stats();
  const rel = path.relative(options.projectDir, worker.entry);
  const restored = worker.replay.messages;
  const handler = worker.handler;
  const lines = [
    `${style.bold("letsgo-worker dev")}  ${style.cyan(worker.url)}`,
    `  dashboard ${style.cyan(`${worker.url}/`)} ${style.dim("(messages and their attempts, DLQ, replay, send, schedule, Stripe)")}`,
    ...(worker.settingsWarning ?? "").split("\n").filter(Boolean).map((line, i) => style.yellow(i === 0 ? `  settings  ${line}` : `            ${line.trim()}`)),
    `  handler   ${rel} ${handler.loaded ? style.dim(`(loaded in ${handler.loadMs} ms)`) : style.red("(failed to load)")}` +
      (path.basename(worker.entry) === "server.ts" ? style.dim(" → handler of index.ts") : ""),
    ...(worker.lambdaWorld.inImage
      ? [`  image     ${handler.image ?? "not built"} ${style.dim("(dev --image: each running batch in a container of it, through Lambda's Runtime API: its Node, its files, /tmp the only writable path, the memory setting as its limit)")}`]
      : []),
    ...(handler.loaded || !handler.error ? [] : loadErrorSummary(handler.error).map((line) => style.red(`            ${line}`))),
    `  queue     visibility ${s.LETSGO_WORKER_VISIBILITY_TIMEOUT} s · ${s.LETSGO_WORKER_MAX_RECEIVE_COUNT} receives then DLQ · max message ${s.LETSGO_WORKER_MAX_MESSAGE_SIZE} bytes`,
    ...retryLines(worker, style),
    `  mapping   batch ${s.LETSGO_WORKER_BATCH_SIZE} · window ${s.LETSGO_WORKER_BATCHING_WINDOW} s · concurrency ${s.LETSGO_WORKER_CONCURRENCY} · timeout ${s.LETSGO_WORKER_FUNCTION_TIMEOUT} s` +
      style.dim(" · one handler process per running batch, as Lambda"),
    `  schedule  ${scheduleLine(worker)}`,
    `  stripe    POST /stripe ${
      s.STRIPE_WEBHOOK_SECRET
        ? style.dim("(verifies with STRIPE_WEBHOOK_SECRET)")
        : style.yellow("(STRIPE_WEBHOOK_SECRET is not set: verifies with a local secret, for `letsgo-worker stripe trigger`; for `stripe listen`, set it to the whsec_... it prints)")
    }`,
    `  slack     ${s.SLACK_WEBHOOK_URL ? "notifySlack posts to SLACK_WEBHOOK_URL" : style.dim("off: SLACK_WEBHOOK_URL is empty, so notifySlack skips (one debug line)")}`,
    ...lambdaWorldLines(worker, style),
    ...payloadLines(worker, style, (file) => path.relative(options.projectDir, file)),
    `  state     ${path.relative(options.projectDir, path.join(path.dirname(path.dirname(worker.entry)), ".letsgo"))}` +
      (restored > 0
        ? ` · restored ${restored}: ${stats.visible + stats.delayed} waiting, ${stats.inFlight} in flight (back after the visibility timeout${stats.inFlight > 0 ? "; now: letsgo-worker retry --all" : ""}), ${stats.dead} in the DLQ`
        : " · empty"),
    ...(worker.historyDamage
      ? [style.yellow(`  history   ${worker.historyDamage.lines} damaged line${worker.historyDamage.lines === 1 ? "" : "s"} of history.json left out (checksum or shape)${worker.historyDamage.setAside ? `; the file as it was: ${path.relative(options.projectDir, worker.historyDamage.setAside)}` : ""}`)]
      : []),
    ...(worker.leftoverProcesses > 0
      ? [style.yellow(`  processes ended ${worker.leftoverProcesses} that an earlier dev's handlers had started and that outlived it (it was killed)`)]
      : []),
    ...recoveryLines(worker.replay, (file) => path.relative(options.projectDir, file)).map((line) => (line.level === "warn" ? style.yellow : style.dim)(`  journal   ${line.text}`)),
    `  reload    ${options.watching ? "on save of a file the handler loads (outside node_modules) · apps/worker/.env applied live" : "off (--no-watch)"}`,
  ];
  if (!handler.loaded) {
    lines.push(style.red(`  messages wait until the handler loads (tried again with backoff${options.watching ? ", and at once when you save a file" : ""})`));
  }
  // A type the project declares, at the port this worker took: the example works as printed.
  const example = worker.exampleMessage;
  lines.push(
    style.dim(`Send a message:  letsgo-worker enqueue --type ${example.type} --payload '${JSON.stringify(example.payload)}'   or   curl -d '${JSON.stringify(example)}' ${worker.url}`),
  );
  return lines;
}

/** Which payloads are checked against the project's types, and what in them cannot be sent. */
function payloadLines(worker: DevWorker, style: ConsoleOptions["style"], rel: (file: string) => string): string[] {
  const { file, checked, warnings } = worker.payloadTypes;
  const lines = [
    checked.length > 0
      ? `  payloads  checked against ${rel(file)} at POST / and before each handler: ${checked.join(", ")}`
      : style.dim(`  payloads  not checked: ${rel(file)} declares no message interface ({ type: MessageType.X; payload: ... })`),
  ];
  for (const warning of warnings) lines.push(style.yellow(`  payloads  ${warning}`));
  return lines;
}

/** The handler's environment, and where this machine or the user's choice makes it differ from Lambda's. */
function lambdaWorldLines(worker: DevWorker, style: ConsoleOptions["style"]): string[] {
  const world = worker.lambdaWorld;
  const credentials = world.awsCredentials
    ? style.yellow("your AWS credentials (--aws-credentials), where the function would have its role's")
    : "no AWS credentials, as a function has only its role's (--aws-credentials passes yours)";
  const lines = [`  env       as Lambda's: its variables (TZ=:UTC, AWS_LAMBDA_*, AWS_REGION...) and apps/worker/.env, none of your shell's; heap sized from the memory setting · ${credentials}`];
  if (world.passEnv.length > 0) lines.push(style.yellow(`  env       from your shell too (--pass-env): ${world.passEnv.join(", ")}, which a deployed function would not have`));
  lines.push(
    world.atLeastOnce
      ? style.yellow(`  delivery  as SQS may: ${Math.round(world.atLeastOnce.duplicateShare * 100)}% of handled messages delivered once more, batches in shuffled order (--at-least-once)`)
      : style.dim("  delivery  in order, once; SQS delivers at least once, in any order: --at-least-once shows how your handlers cope"),
  );
  if (world.reservedEnvKeys.length > 0) {
    lines.push(style.yellow(`  env       apps/worker/.env sets ${world.reservedEnvKeys.join(", ")}, which Lambda reserves: left out, as deploy leaves them out`));
  }
  if (!world.inImage && world.localNodeMajor !== world.deployedNodeMajor) {
    lines.push(
      style.yellow(`  node      this is Node ${world.localNodeMajor}; the deployed function runs Node ${world.deployedNodeMajor} (its base image): run dev on Node ${world.deployedNodeMajor} to match`),
    );
  }
  return lines;
}

/** What the retry settings mean in time, here and in AWS; the dev-only values, if any, against the deployed ones. */
function retryLines(worker: DevWorker, style: ConsoleOptions["style"]): string[] {
  const here = retrySettingsOf(worker.settings);
  if (worker.devOnly.length === 0) return [`  retries   ${retriesInWords(here)} ${style.dim(`(in AWS ${awsRetriesInWords(here)})`)}`];
  const deployed = { ...worker.settings };
  for (const d of worker.devOnly) Object.assign(deployed, { [d.key]: d.deployed });
  return [
    `  retries   ${retriesInWords(here)}`,
    `  dev only  ${worker.devOnly.map((d) => `${d.devKey}=${d.value}`).join(", ")} ` +
      style.dim(`(deploy keeps ${worker.devOnly.map((d) => d.deployed).join(", ")}: in AWS a failing message reaches the DLQ after ${awsRetriesInWords(retrySettingsOf(deployed))})`),
  ];
}

function scheduleLine(worker: DevWorker): string {
  const { state, expression, timezone, next } = worker.schedule;
  if (state === "none") return "none (LETSGO_WORKER_SCHEDULE is empty) · POST /schedule or `letsgo-worker schedule run` fires it now";
  if (state === "off") return "off (--no-schedule) · POST /schedule or `letsgo-worker schedule run` fires it now";
  return `${expression} (${timezone}) · ${next ? `next ${next.toISOString()}` : "will not fire again"}`;
}
