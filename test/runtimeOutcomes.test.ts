/**
 * The runtime's outcome reporter: what createWorkerHandler reports for each
 * record and scheduled run, whatever its logger, and that nothing happens when
 * no reporter is installed (as in Lambda).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerHandler, ScheduledRunError, type Logger, type ScheduledEvent } from "../src/runtime/index.js";
import { setOutcomeReporter, type RuntimeOutcome } from "../src/runtime/outcomes.js";
import { lambdaContext, scheduledEvent, sqsEvent } from "./support/awsEvents.js";

/** A custom logger that writes nothing: reporting must not depend on logs. */
const silentLogger: Logger = { level: "debug", debug() {}, info() {}, warn() {}, error() {} };

function recordOutcomes(): RuntimeOutcome[] {
  const outcomes: RuntimeOutcome[] = [];
  setOutcomeReporter((outcome) => outcomes.push(outcome));
  return outcomes;
}

/** The outcomes without their durations, which vary. */
function withoutDurations(outcomes: RuntimeOutcome[]): object[] {
  return outcomes.map(({ durationMs, ...rest }) => {
    assert.equal(typeof durationMs, "number");
    return rest;
  });
}

afterEach(() => setOutcomeReporter(undefined));

describe("Function: createWorkerHandler (outcome reporter)", () => {
  it("reports each record of a batch, handled or failed with what was thrown, although the logger writes nothing", async () => {
    // Prepare
    const outcomes = recordOutcomes();
    const thrown = new TypeError("card declined");
    const handler = createWorkerHandler({
      handlers: { Ok: async () => {}, Fail: async () => Promise.reject(thrown) },
      logger: silentLogger,
    });
    const event = sqsEvent({ type: "Ok", payload: {} }, { type: "Fail", payload: {} }, "{not json");
    const [ok, failed, invalid] = event.Records.map((record) => record.messageId) as [string, string, string];
    // Act
    await handler(event, lambdaContext());
    // Assess
    const byId = new Map(outcomes.map((outcome) => [outcome.kind === "message" ? outcome.messageId : "", outcome]));
    assert.equal(outcomes.length, 3);
    assert.deepEqual(withoutDurations([byId.get(ok)!, byId.get(failed)!]), [
      { kind: "message", messageId: ok, messageType: "Ok", ok: true },
      { kind: "message", messageId: failed, messageType: "Fail", ok: false, error: thrown },
    ]);
    const bad = byId.get(invalid)!;
    assert.ok(bad.kind === "message" && !bad.ok && bad.messageType === undefined);
    assert.match(String((bad.error as Error).message), /not JSON/);
  });

  it("reports scheduled runs: done, failed with the handler's error, or failed for want of a handler", async () => {
    // Prepare
    const outcomes = recordOutcomes();
    const cause = new Error("database unreachable");
    let fail = false;
    const handler = createWorkerHandler({
      handlers: {},
      scheduled: async () => {
        if (fail) throw cause;
      },
      logger: silentLogger,
    });
    const event = scheduledEvent();
    const run = { kind: "scheduled", executionId: event.id, scheduledTime: event.time };
    // Act
    await handler(event, lambdaContext());
    fail = true;
    await assert.rejects(handler(event, lambdaContext()), ScheduledRunError);
    await assert.rejects(createWorkerHandler({ handlers: {}, logger: silentLogger })(event, lambdaContext()), ScheduledRunError);
    // Assess
    assert.deepEqual(withoutDurations(outcomes.slice(0, 2)), [
      { ...run, ok: true },
      { ...run, ok: false, error: cause },
    ]);
    const missing = outcomes[2]!;
    assert.ok(missing.kind === "scheduled" && !missing.ok);
    assert.ok(missing.error instanceof ScheduledRunError);
    assert.match(missing.error.message, /no scheduled handler/);
  });

  it("reports a redriven scheduled run as its record and as a scheduled run", async () => {
    const outcomes = recordOutcomes();
    const cause = new Error("still broken");
    const handler = createWorkerHandler({ handlers: {}, scheduled: async () => Promise.reject(cause), logger: silentLogger });
    const scheduled: ScheduledEvent = scheduledEvent();
    const event = sqsEvent(scheduled);
    await handler(event, lambdaContext());
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.kind, outcome.ok]),
      [
        ["scheduled", false],
        ["message", false],
      ],
    );
    const record = outcomes[1]!;
    assert.ok(record.kind === "message" && !record.ok);
    assert.equal(record.messageId, event.Records[0]!.messageId);
    assert.equal(record.messageType, "scheduled run (redriven)");
    assert.ok(record.error instanceof ScheduledRunError && record.error.cause === cause);
  });

  it("uses a reporter put in the global slot by another copy of the runtime", async () => {
    const outcomes: RuntimeOutcome[] = [];
    (globalThis as Record<symbol, unknown>)[Symbol.for("letsgo-worker.outcomes")] = (outcome: RuntimeOutcome) => outcomes.push(outcome);
    const handler = createWorkerHandler({ handlers: { Ok: async () => {} }, logger: silentLogger });
    await handler(sqsEvent({ type: "Ok", payload: {} }), lambdaContext());
    assert.equal(outcomes.length, 1);
  });

  it("does nothing without a reporter, and a reporter that throws never fails a record", async () => {
    const handler = createWorkerHandler({ handlers: { Ok: async () => {} }, logger: silentLogger });
    assert.deepEqual(await handler(sqsEvent({ type: "Ok", payload: {} }), lambdaContext()), { batchItemFailures: [] });
    setOutcomeReporter(() => {
      throw new Error("reporter broken");
    });
    assert.deepEqual(await handler(sqsEvent({ type: "Ok", payload: {} }), lambdaContext()), { batchItemFailures: [] });
  });
});

describe("Function: createWorkerHandler (the default logger under a host that shows outcomes)", () => {
  /** What the default logger writes to stdout and stderr while `run` runs. */
  async function written(run: () => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const restore = [process.stdout, process.stderr].map((stream) => {
      const original = stream.write;
      stream.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof stream.write;
      return () => (stream.write = original);
    });
    try {
      await run().catch(() => {});
    } finally {
      for (const undo of restore) undo();
    }
    return lines.join("").split("\n").filter(Boolean);
  }
  const event = () => sqsEvent({ type: "Ok", payload: {} }, { type: "Fail", payload: {} });
  const handlers = { Ok: async () => {}, Fail: async () => Promise.reject(new Error("nope")) };

  it("leaves out its outcome lines while a reporter is installed (dev prints its own), and only those", async () => {
    recordOutcomes();
    const handler = createWorkerHandler({ handlers: { ...handlers, Ok: async () => console.log("my own line") } });
    const lines = await written(() => handler(event(), lambdaContext()));
    assert.deepEqual(lines, ["my own line"]);
  });

  it("writes them without a reporter (Lambda), and always to a logger the user passes", async () => {
    const lines = await written(() => createWorkerHandler({ handlers })(event(), lambdaContext()));
    assert.deepEqual(lines.map((line) => JSON.parse(line).msg).sort(), ["message failed", "message handled"]);
    recordOutcomes();
    const seen: string[] = [];
    const logger: Logger = { level: "info", debug() {}, info: (msg) => seen.push(msg), warn() {}, error: (msg) => seen.push(msg) };
    await createWorkerHandler({ handlers, logger })(event(), lambdaContext());
    assert.deepEqual(seen.sort(), ["message failed", "message handled"]);
  });
});
