/**
 * `deploy --verify` (and `status --verify`): proof that the deployed function
 * answers. One probe message (runtime/probe.ts) goes through the real queue,
 * as an app's enqueue() sends; the event source mapping hands it to the
 * function, whose runtime logs a report of its world; that line, found in the
 * function's CloudWatch Logs, is the proof. The report is set beside the one a
 * process started as `dev` starts its handlers makes (dev/pool/worldReport.ts),
 * and every difference is named. Bounded: past the timeout, what SQS and the
 * mapping say of the probe's fate explains where it stopped.
 */
import { randomUUID } from "node:crypto";
import { LetsgoError, ProjectError } from "../errors.js";
import { handlerEnvironment, isLambdaReservedKey } from "../project/handlerEnvironment.js";
import { loadSettings, type Settings } from "../project/settings.js";
import { PROBE_LOG_MESSAGE, PROBE_MESSAGE_TYPE, type ProbePayload, type WorldReport } from "../runtime/probe.js";
import { OutcomeLog } from "../runtime/outcomes.js";
import type { Aws } from "./clients.js";
import { functionEnvironment } from "./environment.js";
import { readLogGroup, type LogEvent } from "./logs.js";
import { eventSourceMapping, logGroup, workQueue } from "./resources/index.js";
import { findQueueUrl, queueDepths } from "./resources/sqsQueue.js";
import { withAws, type AwsCommandOptions } from "./session.js";
import type { DeployTarget } from "./target.js";

export const DEFAULT_VERIFY_TIMEOUT_MS = 120_000;

/** The report `dev` would give (dev/pool/worldReport.ts), passed in by the caller: dev's code sits above this layer. */
export type DevWorldReport = (settings: Settings, extra: Record<string, string>, names: readonly string[]) => Promise<WorldReport>;

export interface VerifyOptions extends AwsCommandOptions {
  devWorld: DevWorldReport;
  /** How long to wait for the function's report. Default 2 minutes: a cold start after a deploy, and the mapping's batching window. */
  timeoutMs?: number;
  /** Between reads of the log group, ms. Default 2 s. */
  pollMs?: number;
  onProgress?: (message: string) => void;
}

export interface WorldDifference {
  /** The report's field (`node`, `variables`...). */
  field: string;
  deployed: string;
  dev: string;
  /** What makes the difference, and what to do, where known. */
  note?: string;
}

export interface VerifyResult {
  probeId: string;
  /** The variables the probe asked about (the project's configuration), and which of them are secrets. */
  asked: { variables: string[]; secrets: string[] };
  messageId: string;
  /** From sending the probe to reading its report. */
  latencyMs: number;
  logStream?: string;
  deployed: WorldReport;
  dev: WorldReport;
  differences: WorldDifference[];
}

/** One row of the side-by-side view: label, and each side as text. */
export interface WorldRow {
  field: string;
  label: string;
  deployed: string;
  dev: string;
}

const yesNo = (value: boolean) => (value ? "yes" : "no");
const list = (values: readonly string[]) => (values.length === 0 ? "none" : values.join(", "));

/** The reports side by side, in the order people read them. */
export function worldRows(deployed: WorldReport, dev: WorldReport, asked: VerifyResult["asked"]): WorldRow[] {
  const row = (field: string, label: string, show: (report: WorldReport) => string): WorldRow => ({ field, label, deployed: show(deployed), dev: show(dev) });
  const ofAsked = (r: WorldReport) => `${r.variablesSet.filter((name) => asked.variables.includes(name)).length} of ${asked.variables.length}`;
  return [
    row("node", "Node.js", (r) => r.node),
    row("arch", "architecture", (r) => `${r.platform}/${r.arch}`),
    row("memoryMb", "memory", (r) => (r.memoryMb === null ? "not set" : `${r.memoryMb} MB`)),
    row("heapLimitMb", "V8 heap limit", (r) => `${r.heapLimitMb} MB`),
    row("region", "region", (r) => r.region ?? "not set"),
    row("timeZone", "time zone", (r) => r.timeZone),
    row("tmpWritable", "/tmp writable", (r) => yesNo(r.tmpWritable)),
    row("taskRootWritable", "code folder writable", (r) => yesNo(r.taskRootWritable)),
    row("variables", "project variables set", ofAsked),
    // dev reads no secret from SSM: it gives the handler apps/worker/.env's values.
    { field: "secrets", label: "secrets", deployed: `from SSM: ${list(deployed.secretsFromSsm)}`, dev: `from .env: ${list(asked.secrets.filter((name) => dev.variablesSet.includes(name)))}` },
  ];
}

/** Why a known difference is there, and what shows it locally. */
const NOTES: Record<string, string> = {
  node: "dev runs this machine's Node.js; `dev --image` runs the image's",
  arch: "dev runs on this machine; `dev --image` runs the image's platform (a native module built for the wrong one fails there as in Lambda)",
  memoryMb: "the function's memory is not LETSGO_WORKER_MEMORY: `letsgo-worker deploy` sets it",
  region: "dev takes the region from AWS_REGION, else LETSGO_WORKER_REGION: set it to the function's",
  heapLimitMb: "dev sizes V8's heap from LETSGO_WORKER_MEMORY as Lambda does; a gap means the runtime's flags changed",
  taskRootWritable: "only /tmp is writable in Lambda; `dev --image` runs the image read-only as Lambda does",
  tmpWritable: "only /tmp is writable in Lambda",
};

/**
 * Every way the reports differ. The secrets row differs by nature (dev reads
 * none from SSM): it counts only when the function lacks a secret the project
 * has, which the variables row names too.
 */
export function worldDifferences(deployed: WorldReport, dev: WorldReport, asked: VerifyResult["asked"]): WorldDifference[] {
  const differences: WorldDifference[] = [];
  for (const row of worldRows(deployed, dev, asked)) {
    if (row.field === "variables") continue;
    if (row.field === "secrets") {
      const missing = asked.secrets.filter((name) => !deployed.secretsFromSsm.includes(name));
      if (missing.length > 0) differences.push({ field: "secrets", deployed: row.deployed, dev: row.dev, note: `${list(missing)} not read from SSM: run \`letsgo-worker deploy\` to store ${missing.length === 1 ? "it" : "them"}` });
      continue;
    }
    if (row.deployed !== row.dev) differences.push({ field: row.field, deployed: row.deployed, dev: row.dev, ...(NOTES[row.field] ? { note: NOTES[row.field] } : {}) });
  }
  const onlyDev = dev.variablesSet.filter((name) => !deployed.variablesSet.includes(name));
  const onlyDeployed = deployed.variablesSet.filter((name) => !dev.variablesSet.includes(name));
  for (const name of onlyDev) differences.push({ field: `variable ${name}`, deployed: "not set", dev: "set", note: "the function's configuration lacks it: deploy again after changing apps/worker/.env" });
  for (const name of onlyDeployed) differences.push({ field: `variable ${name}`, deployed: "set", dev: "not set" });
  return differences;
}

/** The variable names the probe asks about: the project's own configuration, as deploy gives it to the function. */
function askedNames(settings: Settings, extra: Record<string, string>): VerifyResult["asked"] {
  const variables = Object.keys(handlerEnvironment(settings, extra)).filter((key) => !isLambdaReservedKey(key)).sort();
  // Which are secrets is deploy's rule (functionEnvironment): the addresses it also fills in do not matter here.
  const { secrets } = functionEnvironment(settings, extra, { deployment: settings.LETSGO_DEPLOYMENT, queueUrl: "", secretsPrefix: "" });
  return { variables, secrets: Object.keys(secrets).sort() };
}

/** The JSON object a log line holds: the runtime's line, alone or after a prefix a log format adds. */
function jsonIn(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  try {
    return JSON.parse(message.slice(start).trim()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The probe's report in a log line. */
export function probeReportIn(message: string, probeId: string): WorldReport | undefined {
  if (!message.includes(probeId)) return undefined;
  const line = jsonIn(message);
  return line?.msg === PROBE_LOG_MESSAGE && line.probeId === probeId && line.world ? (line.world as WorldReport) : undefined;
}

/** The runtime's failure line for the probe's record, if it failed it (an image whose runtime predates probes). */
function probeFailureIn(message: string, messageId: string): string | undefined {
  if (!message.includes(messageId)) return undefined;
  const line = jsonIn(message);
  return line?.msg === OutcomeLog.MessageFailed && line.messageId === messageId ? String(line.error ?? "failed") : undefined;
}

export async function verifyDeployment(options: VerifyOptions): Promise<VerifyResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  return withAws(options, "Verifying the deployed worker", async ({ aws, target, loaded }) => {
    const queueUrl = await findQueueUrl(aws, workQueue.name(target));
    if (queueUrl === undefined) {
      throw new ProjectError(`The queue ${workQueue.name(target)} does not exist in ${target.region}: nothing to verify. Run \`letsgo-worker deploy\` first.`);
    }
    const asked = askedNames(loaded.deployed, loaded.extra);
    // What dev gives a handler: dev's own values (LETSGO_DEV_...), made while the probe travels.
    const devLoaded = await loadSettings(options.cwd, { LETSGO_DEPLOYMENT: target.deployment }, process.env, { dev: true });
    const devReport = options.devWorld(devLoaded.settings, devLoaded.extra, asked.variables);
    devReport.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile

    const probeId = randomUUID();
    const payload: ProbePayload = { probeId, names: asked.variables };
    const { SendMessageCommand } = await import("@aws-sdk/client-sqs");
    const sqs = await aws.client("sqs");
    const sentAt = Date.now();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ type: PROBE_MESSAGE_TYPE, payload }) }));
    const messageId = sent.MessageId ?? "";
    options.onProgress?.(`Probe ${probeId} sent through ${workQueue.name(target)}; waiting up to ${Math.round(timeoutMs / 1000)} s for the function's report in ${logGroup.name(target)}.`);

    const found = await waitForReport(aws, logGroup.name(target), { probeId, messageId, since: sentAt, timeoutMs, pollMs: options.pollMs });
    if (found.kind === "failed") {
      throw new LetsgoError(
        `The function received the probe but failed it: ${found.error}. ` +
          "An image built before letsgo-worker knew probes fails them this way: deploy an image built by this version (`letsgo-worker deploy` without --image). " +
          "The probe goes back to the queue and, after its receives, to the dead-letter queue (`letsgo-worker dlq list --aws`).",
      );
    }
    if (found.kind === "timeout") throw new LetsgoError(await whereTheProbeStopped(aws, target, queueUrl, timeoutMs));
    const dev = await devReport;
    return {
      probeId,
      asked,
      messageId,
      latencyMs: found.at - sentAt,
      ...(found.event.stream ? { logStream: found.event.stream } : {}),
      deployed: found.report,
      dev,
      differences: worldDifferences(found.report, dev, asked),
    };
  });
}

type Found = { kind: "report"; report: WorldReport; event: LogEvent; at: number } | { kind: "failed"; error: string } | { kind: "timeout" };

async function waitForReport(aws: Aws, group: string, wait: { probeId: string; messageId: string; since: number; timeoutMs: number; pollMs?: number }): Promise<Found> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), wait.timeoutMs);
  let found: Found = { kind: "timeout" };
  try {
    await readLogGroup(aws, group, {
      // A minute back: the function's clock and this machine's may disagree.
      since: wait.since - 60_000,
      follow: true,
      pollMs: wait.pollMs ?? 2_000,
      signal: stop.signal,
      onEvent(event) {
        if (found.kind !== "timeout") return;
        const report = probeReportIn(event.message, wait.probeId);
        if (report) {
          found = { kind: "report", report, event, at: Date.now() };
          return stop.abort();
        }
        const error = wait.messageId ? probeFailureIn(event.message, wait.messageId) : undefined;
        if (error !== undefined) {
          found = { kind: "failed", error };
          stop.abort();
        }
      },
    });
  } finally {
    clearTimeout(timer);
  }
  return found;
}

/** Past the timeout: what SQS and the mapping say of where the probe stopped. */
async function whereTheProbeStopped(aws: Aws, target: DeployTarget, queueUrl: string, timeoutMs: number): Promise<string> {
  const seconds = Math.round(timeoutMs / 1000);
  const head = `No report from the function within ${seconds} s.`;
  const logsHint = "See `letsgo-worker logs --since 10m` for what the function logged.";
  const mapping = await eventSourceMapping.read(aws, target);
  if (!mapping) return `${head} The queue has no event source mapping: nothing hands its messages to the function. Run \`letsgo-worker deploy\`.`;
  if (!mapping.Enabled) return `${head} The event source mapping is ${mapping.state ?? "disabled"}: nothing takes messages off the queue. Run \`letsgo-worker deploy\` to enable it.`;
  const { GetQueueAttributesCommand } = await import("@aws-sdk/client-sqs");
  const sqs = await aws.client("sqs");
  const read = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }));
  const depths = queueDepths(read.Attributes ?? {});
  if (depths.depth > 0) {
    return `${head} ${depths.depth} message${depths.depth === 1 ? " waits" : "s wait"} in the queue (the probe among them, or behind them): the mapping (${mapping.state ?? "enabled"}) has not handed ${depths.depth === 1 ? "it" : "them"} to the function yet. A first start after a deploy can take a minute: try --verify-timeout 300. ${logsHint}`;
  }
  if (depths.inFlight > 0) {
    return `${head} ${depths.inFlight} message${depths.inFlight === 1 ? " is" : "s are"} in flight: the function received the probe but has not finished it or logged its report (a slow start, a crash, a timeout). ${logsHint}`;
  }
  return (
    `${head} The probe left the queue, but the function logged no report: it was taken off the queue without the worker's runtime answering ` +
    `(an image whose runtime predates probes, or logs that do not reach ${logGroup.name(target)}). ${logsHint}`
  );
}
