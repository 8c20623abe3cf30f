/**
 * The handler process of `letsgo-worker dev`, started under tsx: it imports the
 * user's Lambda entry and runs `handler(event, context)` for each batch the parent
 * sends, several at once, as one Lambda execution environment per concurrent
 * batch would. Anything that kills this process only fails the batches in it.
 *
 * Usage (by the parent only): node --import tsx child.js <entry.ts>
 */
import { pathToFileURL } from "node:url";
import { buildLambdaContext } from "../events/lambdaContext.js";
import { buildSqsEvent, buildSqsRecord } from "../events/sqs.js";
import type { FromChild, ToChild } from "./protocol.js";

type Handler = (event: unknown, context: unknown) => unknown;

const entry = process.argv[2]!;
/** Per-message errors from the runtime's "message failed" log lines, until their batch reports. */
const loggedErrors = new Map<string, string>();

function send(message: FromChild, then?: () => void): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, () => then?.());
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name === "Error" ? "Error" : error.name}: ${error.message}` : String(error);
  return text.split("\n", 1)[0] ?? "";
}

/** The runtime logs each failed record as JSON with its error; keep it so the parent can show it. */
function sniffErrors(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === "string" && chunk.includes('"message failed"')) {
      for (const line of chunk.split("\n")) {
        try {
          const fields = JSON.parse(line) as { msg?: unknown; messageId?: unknown; error?: unknown };
          if (fields.msg === "message failed" && typeof fields.messageId === "string" && typeof fields.error === "string") {
            loggedErrors.set(fields.messageId, fields.error);
          }
        } catch {
          // not a log line of ours
        }
      }
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

function takeErrors(event: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  const records = (event as { Records?: Array<{ messageId: string }> }).Records ?? [];
  for (const record of records) {
    const error = loggedErrors.get(record.messageId);
    if (error !== undefined) errors[record.messageId] = error;
    loggedErrors.delete(record.messageId);
  }
  return errors;
}

function crash(error: unknown): void {
  send({ t: "crash", error: firstLine(error) }, () => process.exit(1));
  setTimeout(() => process.exit(1), 500).unref();
}

async function main(): Promise<void> {
  sniffErrors(process.stdout);
  sniffErrors(process.stderr);
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  process.on("disconnect", () => process.exit(0));

  const started = performance.now();
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(entry).href)) as { handler?: unknown; default?: { handler?: unknown } };
    const candidate = mod.handler ?? mod.default?.handler;
    if (typeof candidate !== "function") {
      throw new Error(`${entry} does not export a \`handler\` function: export const handler = createWorkerHandler({ handlers })`);
    }
    handler = candidate as Handler;
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    send({ t: "load-error", error: detail }, () => process.exit(1));
    return;
  }

  process.on("message", (message: ToChild) => {
    if (message.t !== "invoke") return;
    const context = buildLambdaContext(message.context);
    const origin = message.context.origin;
    const event = buildSqsEvent(
      message.records.map((r) =>
        buildSqsRecord({
          origin,
          body: r.body,
          messageId: r.id,
          receiptHandle: r.receiptHandle,
          receiveCount: r.receiveCount,
          sentAt: r.sentAt,
          firstReceivedAt: r.firstReceivedAt,
        }),
      ),
    );
    void (async () => {
      try {
        const response = await handler(event, context);
        send({ t: "result", id: message.id, response: response ?? null, errors: takeErrors(event) });
      } catch (error) {
        send({ t: "error", id: message.id, error: firstLine(error), errors: takeErrors(event) });
      }
    })();
  });
  send({ t: "ready", loadMs: Math.round(performance.now() - started) });
}

void main();
