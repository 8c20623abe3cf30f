/**
 * The dev worker end to end, in-process (startDevWorker) with a real handler
 * process under tsx, real HTTP and a real journal in a temp project.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { collectEvents, post, readLog, RECORDING_HANDLER, request, waitForEvent, useDevWorker } from "./support/devServer.js";

const dev = useDevWorker();

async function start(env: Record<string, string | number> = {}, handler = RECORDING_HANDLER) {
  const project = await dev.project({ handler, env });
  const worker = await dev.worker({ projectDir: project.dir, watch: false });
  return { project, worker };
}

describe("dev worker", () => {
  it("hands a message to the handler once, in an SQS event shaped like Lambda's", async () => {
    const { project, worker } = await start({ LETSGO_WORKER_FUNCTION_TIMEOUT: 30 });
    const handled = waitForEvent(worker, "message:handled");
    const reply = await post(worker.url, { type: "OrderNew", payload: { orderId: "o_1" } });
    assert.equal(reply.status, 201);
    const [id] = reply.body.messageIds;
    const outcome = await handled;
    assert.equal(outcome.id, id);

    const batches = await readLog(project.log);
    assert.equal(batches.length, 1);
    const [record] = batches[0]!.event.Records;
    const body = JSON.stringify({ type: "OrderNew", payload: { orderId: "o_1" } });
    assert.equal(record!.messageId, id);
    assert.equal(record!.body, body);
    assert.equal(record!.eventSource, "aws:sqs");
    assert.equal(record!.eventSourceARN, "arn:aws:sqs:us-west-2:000000000000:letsgo-main-worker");
    assert.equal(record!.awsRegion, "us-west-2");
    assert.equal(record!.md5OfBody, createHash("md5").update(body).digest("hex"));
    assert.equal(typeof record!.receiptHandle, "string");
    assert.deepEqual(record!.messageAttributes, {});
    assert.equal(record!.attributes.ApproximateReceiveCount, "1");
    assert.match(record!.attributes.SentTimestamp!, /^\d{13}$/);
    assert.match(record!.attributes.ApproximateFirstReceiveTimestamp!, /^\d{13}$/);
    const context = batches[0]!.context;
    assert.equal(context.functionName, "letsgo-main-worker");
    assert.equal(context.awsRequestId, outcome.requestId);
    assert.ok(context.remaining > 0 && context.remaining <= 30_000, `remaining time ${context.remaining}`);

    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.deepEqual(
      { visible: stats.visible, inFlight: stats.inFlight, delayed: stats.delayed, dead: stats.dead, processed: stats.processed },
      { visible: 0, inFlight: 0, delayed: 0, dead: 0, processed: 1 },
    );
  });

  it("retries only the failed message of a batch, dead-letters it with its error, and redrives it", async () => {
    const { project, worker } = await start({ LETSGO_WORKER_VISIBILITY_TIMEOUT: 1, LETSGO_WORKER_FUNCTION_TIMEOUT: 1, LETSGO_WORKER_MAX_RECEIVE_COUNT: 3 });
    const dead = waitForEvent(worker, "message:dead");
    const reply = await post(worker.url, [
      { type: "A", payload: { n: 1 } },
      { type: "B", payload: { fail: true } },
      { type: "C", payload: { n: 3 } },
    ]);
    const [idA, idB, idC] = reply.body.messageIds;
    const deadInfo = await dead;
    assert.equal(deadInfo.id, idB);
    assert.equal(deadInfo.attempts, 3);

    const deliveries = (await readLog(project.log)).flatMap((b) => b.event.Records.map((r) => [r.messageId, r.attributes.ApproximateReceiveCount]));
    assert.deepEqual(deliveries.filter(([id]) => id === idA), [[idA, "1"]]);
    assert.deepEqual(deliveries.filter(([id]) => id === idC), [[idC, "1"]]);
    assert.deepEqual(deliveries.filter(([id]) => id === idB), [[idB, "1"], [idB, "2"], [idB, "3"]]);

    const dlq = (await request(worker.url, "GET", "/dlq")).body.messages;
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0].messageId, idB);
    assert.equal(dlq[0].type, "B");
    assert.equal(dlq[0].receiveCount, 3);
    assert.equal(dlq[0].lastError, "Error: failed on purpose");
    assert.equal(JSON.parse(dlq[0].body).payload.fail, true);
    assert.equal((await request(worker.url, "GET", "/stats")).body.dead, 1);

    assert.equal((await request(worker.url, "POST", "/dlq/redrive?messageId=nope")).status, 404);
    const again = waitForEvent(worker, "message:failed", (o) => o.id !== idB);
    const redrive = await request(worker.url, "POST", `/dlq/redrive?messageId=${idB}`);
    // As SQS's redrive: back as a new message.
    const newId = redrive.body.newMessageId;
    assert.deepEqual(redrive.body, { redriven: 1, messageId: idB, newMessageId: newId, messages: [{ from: idB, messageId: newId }] });
    assert.deepEqual([(await again).id, (await again).attempt], [newId, 1]);
    assert.equal((await request(worker.url, "GET", "/dlq")).body.messages.length, 0);

    await waitForEvent(worker, "message:dead");
    assert.deepEqual((await request(worker.url, "DELETE", "/dlq")).body, { purged: 1 });
    assert.equal((await request(worker.url, "GET", "/stats")).body.dead, 0);
  });

  it("fails the whole batch when the handler throws, showing the error's first line", async () => {
    const { worker } = await start({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 });
    const failed = collectEvents<{ error: string; dead: boolean }>(worker, "message:failed", (seen) => seen.length === 2);
    await post(worker.url, [{ type: "A", payload: {} }, { type: "B", payload: { throw: true } }]);
    for (const outcome of await failed) {
      assert.equal(outcome.error, "Error: thrown on purpose");
      assert.equal(outcome.dead, true);
    }
  });

  it("honours delaySeconds", async () => {
    const { project, worker } = await start();
    const handled = waitForEvent(worker, "message:handled");
    const reply = await post(worker.url, { type: "Later", payload: {} }, "?delaySeconds=1");
    assert.equal(reply.status, 201);
    assert.equal((await request(worker.url, "GET", "/stats")).body.delayed, 1);
    await handled;
    const [record] = (await readLog(project.log))[0]!.event.Records;
    const waited = Number(record!.attributes.ApproximateFirstReceiveTimestamp) - Number(record!.attributes.SentTimestamp);
    assert.ok(waited >= 1000, `delivered ${waited} ms after sending`);
  });

  it("survives a handler that calls process.exit or hangs past the timeout", async () => {
    const { worker } = await start({ LETSGO_WORKER_FUNCTION_TIMEOUT: 1, LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, LETSGO_WORKER_VISIBILITY_TIMEOUT: 1 });
    const exited = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Exit", payload: { exit: true } });
    assert.match((await exited).error, /exited \(code 1\).*process\.exit/);
    assert.equal((await request(worker.url, "GET", "/health")).status, 200);

    const hung = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Hang", payload: { hang: true } });
    assert.equal((await hung).error, "Task timed out after 1.00 seconds");

    // A promise nothing will settle: the event loop empties and the process ends, as under AWS's runtime client (devImage.test.ts).
    const stalled = waitForEvent(worker, "message:failed");
    await post(worker.url, { type: "Stall", payload: { stall: true } });
    assert.ok((await stalled).error.startsWith("Runtime.ExitError: Runtime exited with error: exit status 0"), (await stalled).error);

    const handled = waitForEvent(worker, "message:handled");
    assert.equal((await post(worker.url, { type: "Fine", payload: {} })).status, 201);
    assert.equal((await handled).type, "Fine");
    const stats = (await request(worker.url, "GET", "/stats")).body;
    assert.equal(stats.dead, 3);
    assert.equal(stats.processed, 1);
  });

  it("takes letsgo:stripe only through POST /stripe, saying why, and answers HEAD on GET routes", async () => {
    const { worker } = await start();
    const forged = await post(worker.url, { type: "letsgo:stripe", payload: { id: "evt_forged", type: "invoice.paid" } });
    assert.equal(forged.status, 400);
    assert.match(forged.body.error, /only through POST \/stripe, where Stripe's signature is checked: here it could be forged/);
    const scheduled = await post(worker.url, { type: "letsgo:scheduled-run", payload: {} });
    assert.match(scheduled.body.error, /"letsgo:scheduled-run" is reserved/);
    const head = await fetch(`${worker.url}/health`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  it("rejects bad input with the right status and changes nothing", async () => {
    const { worker } = await start({ LETSGO_WORKER_MAX_MESSAGE_SIZE: 1024 });
    const before = (await request(worker.url, "GET", "/stats")).body;
    const eleven = Array.from({ length: 11 }, () => ({ type: "A", payload: {} }));
    const cases: Array<[string, string, string, string | undefined, number]> = [
      ["invalid JSON", "POST", "/", "{not json", 400],
      ["missing type", "POST", "/", JSON.stringify({ payload: {} }), 400],
      ["non-string type", "POST", "/", JSON.stringify({ type: 5, payload: {} }), 400],
      ["more than 10 messages", "POST", "/", JSON.stringify(eleven), 400],
      ["empty array", "POST", "/", "[]", 400],
      ["bad record body", "POST", "/", JSON.stringify({ Records: [{ body: "{nope" }] }), 400],
      ["delay out of range", "POST", "/?delaySeconds=901", JSON.stringify({ type: "A" }), 400],
      ["a forged letsgo:stripe message", "POST", "/", JSON.stringify({ type: "letsgo:stripe", payload: { id: "evt_forged", type: "invoice.paid", data: { object: {} } } }), 400],
      ["letsgo:stripe in an SQS-shaped body", "POST", "/", JSON.stringify({ Records: [{ body: JSON.stringify({ type: "letsgo:stripe", payload: {} }) }] }), 400],
      ["a forged scheduled run", "POST", "/", JSON.stringify({ type: "letsgo:scheduled-run", payload: {} }), 400],
      ["nested 5,000 levels deep", "POST", "/", `{"type":"A","payload":${"[".repeat(5000)}${"]".repeat(5000)}}`, 400],
      ["too large", "POST", "/", JSON.stringify({ type: "A", payload: "x".repeat(2000) }), 413],
      ["together too large", "POST", "/", JSON.stringify([1, 2].map(() => ({ type: "A", payload: "x".repeat(600) }))), 413],
      ["unknown route", "GET", "/nope", undefined, 404],
      ["wrong method", "PUT", "/", undefined, 405],
      ["wrong method on /dlq", "PUT", "/dlq", undefined, 405],
    ];
    for (const [name, method, path, body, status] of cases) {
      const response = await fetch(`${worker.url}${path}`, { method, body });
      assert.equal(response.status, status, name);
      const reply = (await response.json()) as { error?: unknown };
      assert.equal(typeof reply.error, "string", `${name}: JSON error`);
    }
    assert.deepEqual((await request(worker.url, "GET", "/stats")).body, before);
  });

  it("accepts curl's default content type and the @letsgo/queue Records shape", async () => {
    const { project, worker } = await start();
    const handled = collectEvents(worker, "message:handled", (seen) => seen.length === 2);
    const form = await fetch(`${worker.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ type: "Curl", payload: { a: 1 } }),
    });
    assert.equal(form.status, 201);
    const body = JSON.stringify({ type: "Legacy", payload: { b: 2 } });
    const legacy = await post(worker.url, {
      Records: [{ messageId: "x", body, attributes: { ApproximateReceiveCount: "1" }, eventSource: "letsgo:local" }],
    });
    assert.equal(legacy.status, 201);
    await handled;
    const bodies = (await readLog(project.log)).flatMap((b) => b.event.Records.map((r) => r.body));
    assert.ok(bodies.includes(body), "the record's body is delivered as sent");
  });

  it("takes message attributes in the Records shape, as Lambda's records carry them, and refuses what SQS would", async () => {
    const { project, worker } = await start();
    const handled = waitForEvent(worker, "message:handled");
    const body = JSON.stringify({ type: "WithAttributes", payload: {} });
    const sent = await post(worker.url, { Records: [{ body, messageAttributes: { tenant: { dataType: "String", stringValue: "acme" }, n: { dataType: "Number", stringValue: "1.50" } } }] });
    assert.equal(sent.status, 201);
    await handled;
    const [record] = (await readLog(project.log)).flatMap((b) => b.event.Records);
    assert.deepEqual(record!.messageAttributes, {
      tenant: { stringValue: "acme", stringListValues: [], binaryListValues: [], dataType: "String" },
      n: { stringValue: "1.50", stringListValues: [], binaryListValues: [], dataType: "Number" },
    });
    const refused = await post(worker.url, { Records: [{ body, messageAttributes: { "AWS.x": { dataType: "String", stringValue: "v" } } }] });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error, /The messageAttributes of record 1\.AWS\.x is reserved/);
  });

  it("reloads an edited handler while messages flow and loses none", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, watch: true });
    const sent = new Set<string>();
    const handled = new Set<string>();
    worker.on("message:handled", (o: { id: string }) => handled.add(o.id));
    const reloaded = waitForEvent(worker, "handler:loaded", (o) => o.reloaded);
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        for (const id of (await post(worker!.url, [{ type: "A", payload: { i } }, { type: "A", payload: { i } }])).body.messageIds) sent.add(id);
      }
    };
    await send(20);
    await writeFile(project.entry, `const VERSION = 2;\n${RECORDING_HANDLER.replaceAll("__LOG__", JSON.stringify(project.log))}`);
    await Promise.all([send(40), reloaded]);
    await send(20);
    await new Promise<void>((resolve) => {
      const check = () => {
        if ([...sent].every((id) => handled.has(id))) {
          worker!.off("message:handled", check);
          resolve();
        }
      };
      worker!.on("message:handled", check);
      check();
    });
    const batches = await readLog(project.log);
    const seen = new Set(batches.flatMap((b) => b.event.Records.map((r) => r.messageId)));
    assert.equal(sent.size, 160);
    for (const id of sent) assert.ok(seen.has(id), `message ${id} reached the handler`);
    assert.ok(batches.some((b) => b.version === 2), "the edited handler ran");
    assert.equal(batches.at(-1)!.version, 2);
  });
});
