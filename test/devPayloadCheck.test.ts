/**
 * Payloads checked against @letsgo/types through a real `dev`: refused at
 * `POST /` (and so by the CLI and by enqueue() against dev) with the path and
 * the expected type, and failed with the same text by the runtime, before the
 * handler runs, when a message that no longer fits arrives from elsewhere (here:
 * the journal, after the types changed).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import { post, request, useDevWorker, waitForEvent } from "./support/devServer.js";

const TYPES_WITH_INTERFACE = `
export enum MessageType { OrderNew = "OrderNew" }
export interface Message { type: MessageType | string; payload: any }
export interface OrderNewMessage extends Message {
  type: MessageType.OrderNew;
  payload: { orderId: string; totalCents: number; lines?: Array<{ sku: string }>; due?: Date };
}
`;

const TYPES_ENUM_ONLY = `
export enum MessageType { OrderNew = "OrderNew" }
`;

/** createWorkerHandler, as a project's index.ts uses it: the runtime's check runs before this handler. */
const RUNTIME_HANDLER = `
import { appendFileSync } from "node:fs";
import { createWorkerHandler } from "letsgo-worker/runtime";
export const handler = createWorkerHandler({
  handlers: { OrderNew: async (message: any) => { appendFileSync(__LOG__, JSON.stringify(message.payload) + "\\n"); } },
});
`;

const HEAVY = 'payload.totalCents: expected number, got "heavy" (OrderNewMessage in @letsgo/types)';

async function writeTypes(projectDir: string, source: string): Promise<void> {
  await mkdir(path.join(projectDir, "packages", "types"), { recursive: true });
  await writeFile(path.join(projectDir, "packages", "types", "index.ts"), source);
}

async function handledPayloads(log: string): Promise<unknown[]> {
  const text = await readFile(log, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

describe("dev: payloads checked against @letsgo/types", () => {
  const dev = useDevWorker();

  it("POST / refuses a payload that does not fit, with the path and the expected type, and keeps nothing of the request", async () => {
    const project = await dev.project({ handler: RUNTIME_HANDLER });
    await writeTypes(project.dir, TYPES_WITH_INTERFACE);
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });

    const single = await post(worker.url, { type: "OrderNew", payload: { orderId: "o_1", totalCents: "heavy" } });
    assert.equal(single.status, 400);
    assert.equal(single.body.error, HEAVY);

    const nested = await post(worker.url, [
      { type: "OrderNew", payload: { orderId: "o_2", totalCents: 1 } },
      { type: "OrderNew", payload: { orderId: "o_3", totalCents: 1, lines: [{ sku: 7 }] } },
    ]);
    assert.equal(nested.status, 400);
    assert.equal(nested.body.error, "Message 2: payload.lines[0].sku: expected string, got 7 (OrderNewMessage in @letsgo/types)");

    const record = await post(worker.url, { Records: [{ body: JSON.stringify({ type: "OrderNew", payload: { totalCents: 1 } }) }] });
    assert.equal(record.status, 400);
    assert.equal(record.body.error, "The body of record 1: payload.orderId: expected string, got nothing (OrderNewMessage in @letsgo/types)");

    const dated = await post(worker.url, { type: "OrderNew", payload: { orderId: "o_4", totalCents: 1, due: "2026-12-01T00:00:00Z" } });
    assert.equal(dated.status, 400);
    assert.match(dated.body.error, /^payload\.due: Date cannot travel in a JSON message \(it would arrive as a string\); declare it as string/);

    assert.equal((await request(worker.url, "GET", "/stats")).body.visible, 0, "a refused request enqueues nothing");
    // Listening before the send: the message may be handled before the 201 is read.
    const handled = waitForEvent(worker, "message:handled");
    const good = await post(worker.url, { type: "OrderNew", payload: { orderId: "o_5", totalCents: 1999, campaign: "extra fields are allowed" } });
    assert.equal(good.status, 201);
    assert.equal((await handled).id, good.body.messageIds[0]);
    assert.deepEqual(await handledPayloads(project.log), [{ orderId: "o_5", totalCents: 1999, campaign: "extra fields are allowed" }]);
  });

  it("says in its banner what is checked and which declared fields cannot travel in JSON; its example fits the types", async () => {
    const project = await dev.project({ handler: RUNTIME_HANDLER });
    await writeTypes(project.dir, TYPES_WITH_INTERFACE);
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    let text = "";
    const identity = (t: string) => t;
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity }, projectDir: project.dir, watching: false });
    worker.emit("ready", { url: worker.url });
    detach();
    assert.match(text, /  payloads  checked against packages\/types\/index\.ts at POST \/ and before each handler: OrderNew\n/);
    assert.match(text, /  payloads  OrderNewMessage\.payload\.due is a Date, which cannot travel in a JSON message: declare it as string/);

    assert.deepEqual(worker.exampleMessage, { type: "OrderNew", payload: { orderId: "", totalCents: 0 } });
    const example = await post(worker.url, worker.exampleMessage);
    assert.equal(example.status, 201, JSON.stringify(example.body));
  });

  it("the runtime fails a message that does not fit before its handler runs, with the same text, and it ends in the DLQ", async () => {
    // 1. No interface yet: the message is taken as it is; the handler does not load, so it waits in the queue.
    const project = await dev.project({ handler: "export const handler = ;", env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 } });
    await writeTypes(project.dir, TYPES_ENUM_ONLY);
    const first = await dev.worker({ projectDir: project.dir, schedule: false });
    const sent = await post(first.url, { type: "OrderNew", payload: { orderId: "o_1", totalCents: "heavy" } });
    assert.equal(sent.status, 201);
    await first.close();

    // 2. The types now declare the payload, and the handler loads: the old message no longer fits.
    await writeTypes(project.dir, TYPES_WITH_INTERFACE);
    await project.writeHandler(RUNTIME_HANDLER);
    const second = await dev.worker({ projectDir: project.dir, schedule: false });
    // It may be dead-lettered before dev.worker() returns: wait for the state, not the event.
    let dead: { messageId: string; lastError: string } | undefined;
    for (let tries = 0; !dead && tries < 600; tries++) {
      dead = (await request(second.url, "GET", "/dlq")).body.messages.find((m: { messageId: string }) => m.messageId === sent.body.messageIds[0]);
      if (!dead) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(dead?.lastError, `InvalidMessageError: ${HEAVY}`);
    assert.deepEqual(await handledPayloads(project.log), [], "the handler never saw it");
    const listed = await request(second.url, "GET", "/dlq");
    assert.equal(listed.body.messages[0].lastError, `InvalidMessageError: ${HEAVY}`);
  });

  it("keeps the app's generated packages/queue/payloadSchemas.ts current, only in a project whose @letsgo/queue imports it", async () => {
    const project = await dev.project({ handler: RUNTIME_HANDLER });
    await writeTypes(project.dir, TYPES_WITH_INTERFACE);
    const queueDir = path.join(project.dir, "packages", "queue");
    await mkdir(queueDir, { recursive: true });
    await writeFile(path.join(queueDir, "index.ts"), 'export { enqueue } from "letsgo-worker/queue";\n');
    const first = await dev.worker({ projectDir: project.dir, schedule: false });
    await first.close();
    assert.equal(existsSync(path.join(queueDir, "payloadSchemas.ts")), false, "not asked for: not written");

    await writeFile(path.join(queueDir, "index.ts"), 'import { payloadSchemas } from "./payloadSchemas";\nexport { payloadSchemas };\n');
    await dev.worker({ projectDir: project.dir, schedule: false });
    const generated = await readFile(path.join(queueDir, "payloadSchemas.ts"), "utf8");
    assert.match(generated, /"OrderNew": \{\n\s+"declaredAs": "OrderNewMessage"/);
  });

  it("starts and answers on types that once hung it: the recursive JSON type is checked, a type too large to derive is said and left unchecked", async () => {
    const project = await dev.project({ handler: RUNTIME_HANDLER });
    const codes = Array.from({ length: 40 }, (_, i) => `"c${i}"`).join(" | ");
    await writeTypes(
      project.dir,
      `export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export interface SyncMessage { type: "Sync"; payload: { data: Json; tags?: Json[] } }
type Code = ${codes};
export interface BigMessage { type: "Big"; payload: { code: \`\${Code}-\${Code}-\${Code}\` } }
`,
    );
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    let text = "";
    const identity = (t: string) => t;
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity }, projectDir: project.dir, watching: false });
    worker.emit("ready", { url: worker.url });
    detach();
    assert.match(text, /BigMessage\.payload \(more than [\d,]+ shapes\): too large to check at run time/);

    assert.equal((await post(worker.url, { type: "Sync", payload: { data: { a: [1, "x", null, { b: true }] } } })).status, 201);
    const missing = await post(worker.url, { type: "Sync", payload: { tags: [] } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, "payload.data: expected Json, got nothing (SyncMessage in @letsgo/types)");
    assert.equal((await post(worker.url, { type: "Big", payload: { code: 5 } })).status, 201, "left unchecked, as the banner says");
    // One checksummed record: `<length> <crc32c> <json>`.
    const cached = JSON.parse((await readFile(path.join(project.dir, "apps", "worker", ".letsgo", "payload-schemas.json"), "utf8")).replace(/^\d+ [0-9a-f]{8} /, ""));
    assert.ok(JSON.stringify(cached).length < 20_000, "the shapes are a few named definitions, not an expansion");
  });

  it("the CLI's enqueue to dev is refused with the same text and exit code 1", async () => {
    const project = await dev.project({ handler: RUNTIME_HANDLER });
    await writeTypes(project.dir, TYPES_WITH_INTERFACE);
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const refused = await runCli(["enqueue", "--url", worker.url, "--type", "OrderNew", "--payload", '{"orderId":"o_1","totalCents":"heavy"}']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.ok(refused.stderr.includes(HEAVY), refused.stderr);
    const accepted = await runCli(["enqueue", "--url", worker.url, "--type", "OrderNew", "--payload", '{"orderId":"o_1","totalCents":5}']);
    assert.equal(accepted.code, 0, accepted.stderr);
  });
});
