/**
 * The handler process of `letsgo-worker dev`: it imports the worker's bundle
 * (built as the image's is, ./bundler.ts) and runs `handler(event, context)` for each invocation the
 * parent sends, one at a time, as a Lambda execution environment does. An
 * unhandled rejection or uncaught exception fails the invocation in flight and
 * ends the process, as Lambda's Node runtime does (the parent starts another).
 * Per-record errors come from the runtime's outcome reporter (../runtime/outcomes.ts),
 * installed here before the user's code loads, whatever logger that code uses.
 *
 * Usage (by the parent only): node --enable-source-maps child.js <bundle.mjs> <the user's entry, as named in messages>
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildLambdaContext, newTraceHeader, processLogStream } from "../../events/lambdaContext.js";
import { errorStack, firstLine } from "../../runtime/errors.js";
import { setOutcomeReporter, type RuntimeOutcome } from "../../runtime/outcomes.js";
import { describeLoadError } from "./loadError.js";
import { buildEvent } from "./invokeEvent.js";
import { OUTPUT_TAG, OUTPUT_TAG_END, type FromChild, type ToChild } from "./protocol.js";

type Handler = (event: unknown, context: unknown, callback: (error?: unknown, result?: unknown) => void) => unknown;

const bundle = process.argv[2]!;
const entry = process.argv[3] ?? bundle;

function send(message: FromChild, then?: () => void): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, () => then?.());
}

/** "Name: message", first line: how the parent shows an error. */
function errorLine(error: unknown): string {
  return firstLine(error, { withName: true });
}

interface InFlight {
  id: number;
  event: unknown;
  replied: boolean;
  /** Failed records the runtime reported, by message id. */
  failures: Map<string, unknown>;
}

/** The invocation being handled, until its reply is sent. */
let current: InFlight | null = null;

/** The awsRequestId of the invocation running now: its output lines are tagged with it. */
let outputRequestId: string | undefined;

/**
 * Tag each line the process writes during an invocation with its request id
 * (OUTPUT_TAG, id, OUTPUT_TAG_END, then the line), as Lambda puts the request id
 * on each log line, so dev files what a handler printed under the attempt that
 * printed it; the parent strips the tag before showing the line.
 */
function tagOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
  let atLineStart = true;
  stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
    if (typeof chunk !== "string" && !Buffer.isBuffer(chunk)) return write(chunk, encoding, callback);
    let text = typeof chunk === "string" ? chunk : chunk.toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    if (text === "") return write(chunk, encoding, callback);
    if (outputRequestId !== undefined) {
      const tag = `${OUTPUT_TAG}${outputRequestId}${OUTPUT_TAG_END}`;
      text = (atLineStart ? tag : "") + text.replace(/\n(?=[^])/g, `\n${tag}`);
    }
    atLineStart = text.endsWith("\n");
    return typeof encoding === "function" ? write(text, encoding) : write(text, "utf8", callback);
  }) as typeof stream.write;
}

/** Keep each failed record's error for the reply; a scheduled run's error is the one the handler throws. */
function onOutcome(outcome: RuntimeOutcome): void {
  if (outcome.kind !== "message" || outcome.ok || !current || current.replied) return;
  current.failures.set(outcome.messageId, outcome.error);
}

/** The reported errors of the invocation's own records, as the reply carries them. */
function recordErrors(invocation: InFlight): Pick<Extract<FromChild, { t: "result" }>, "errors" | "stacks"> {
  const errors: Record<string, string> = {};
  const stacks: Record<string, string> = {};
  const records = (invocation.event as { Records?: Array<{ messageId: string }> }).Records ?? [];
  for (const { messageId } of records) {
    if (!invocation.failures.has(messageId)) continue;
    const error = invocation.failures.get(messageId);
    errors[messageId] = errorLine(error);
    const stack = errorStack(error);
    if (stack !== undefined) stacks[messageId] = stack;
  }
  return { errors, stacks };
}

/** The `stack` of a whole invocation's failure, when what was thrown has one. */
function withStack(error: unknown): { stack?: string } {
  const stack = errorStack(error);
  return stack === undefined ? {} : { stack };
}

/** Lambda's Node runtime fails the invocation in flight and restarts the environment. */
function crash(kind: "unhandledRejection" | "uncaughtException") {
  return (error: unknown) => {
    const text =
      kind === "unhandledRejection" ? `Runtime.UnhandledPromiseRejection: ${errorLine(error)}` : `uncaught exception: ${errorLine(error)}`;
    const exit = () => process.exit(1);
    // "crash" first, so the parent gives this process no more work once the invocation is answered.
    const inFlight = current && !current.replied ? current : null;
    send({ t: "crash", error: text }, inFlight ? undefined : exit);
    if (inFlight) {
      inFlight.replied = true;
      send({ t: "error", id: inFlight.id, error: text, ...withStack(error), ...recordErrors(inFlight) }, exit);
    }
    setTimeout(() => process.exit(1), 500).unref();
  };
}

function noHandlerMessage(): string {
  const fix =
    path.basename(entry) === "server.ts"
      ? 'dev loads server.ts when it exists: re-export the Lambda handler with `export { handler } from "./index";`'
      : "export const handler = createWorkerHandler({ handlers })";
  return `${entry} does not export a \`handler\` function: ${fix}`;
}

/**
 * One invocation as Node.js 22's runtime runs it: it ends with the first of
 * the handler's promise settling, its callback (third argument) being called,
 * or the context's legacy succeed / fail / done.
 */
function runHandler(handler: Handler, event: unknown, input: ToChild["context"]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const complete = (error: unknown, result: unknown) => (error === undefined || error === null ? resolve(result) : reject(error));
    const context = Object.assign(buildLambdaContext(input), {
      succeed: (result?: unknown) => complete(null, result),
      fail: (error: unknown) => complete(error ?? new Error("handler failed"), undefined),
      done: (error?: unknown, result?: unknown) => complete(error, result),
    });
    try {
      const returned = handler(event, context, complete);
      if (returned && typeof (returned as PromiseLike<unknown>).then === "function") {
        // Only the handler's own work keeps the process alive now, as under AWS's runtime client: a promise
        // nothing is left to settle lets the event loop empty, and the process exits (the parent says so).
        process.channel?.unref();
        (returned as PromiseLike<unknown>).then(resolve, reject);
      }
      // A callback-style handler that neither returns a promise nor calls back is ended by Lambda when
      // its event loop empties; here it runs into the function timeout (the workers this tool scaffolds never are one).
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

async function main(): Promise<void> {
  tagOutput(process.stdout);
  tagOutput(process.stderr);
  setOutcomeReporter(onOutcome);
  process.on("uncaughtException", crash("uncaughtException"));
  process.on("unhandledRejection", crash("unhandledRejection"));
  process.on("disconnect", () => process.exit(0));

  const started = performance.now();
  // One log stream per execution environment, as the context says too.
  process.env.AWS_LAMBDA_LOG_STREAM_NAME = processLogStream();
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
    if (typeof mod.handler !== "function") throw new Error(noHandlerMessage());
    handler = mod.handler as Handler;
  } catch (error) {
    send({ t: "load-error", error: describeLoadError(error) }, () => process.exit(1));
    return;
  }

  process.on("message", (message: ToChild) => {
    if (message.t !== "invoke") return;
    const arrived = performance.now();
    const cpuAtArrival = process.cpuUsage();
    // Set for each invocation, as Lambda sets it from the invocation's trace header.
    process.env._X_AMZN_TRACE_ID = newTraceHeader();
    const event = buildEvent(message.event, message.context);
    const invocation: InFlight = { id: message.id, event, replied: false, failures: new Map() };
    current = invocation;
    outputRequestId = message.context.awsRequestId;
    void (async () => {
      let reply: Extract<FromChild, { t: "result" | "error" }>;
      try {
        const response = await runHandler(handler, event, message.context);
        reply = { t: "result", id: message.id, response: response ?? null, errors: {} };
      } catch (error) {
        reply = { t: "error", id: message.id, error: errorLine(error), ...withStack(error), errors: {} };
      }
      // One turn of the event loop first: a promise the handler left rejected and
      // unhandled surfaces now, and fails this invocation instead of counting as success.
      await new Promise((resolve) => setImmediate(resolve));
      if (invocation.replied) return;
      invocation.replied = true;
      if (current === invocation) {
        current = null;
        outputRequestId = undefined;
      }
      const cpu = process.cpuUsage(cpuAtArrival);
      send({ ...reply, ...recordErrors(invocation), busyMs: performance.now() - arrived, cpuMs: (cpu.user + cpu.system) / 1000 });
      process.channel?.ref(); // idle: waiting for the next invocation
    })();
  });
  const loadMs = Math.round(performance.now() - started);
  send({ t: "ready", loadMs });
}

void main();
