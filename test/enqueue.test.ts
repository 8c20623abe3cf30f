/**
 * `letsgo-worker enqueue` and `dlq` as real processes against a real dev worker.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BIN, readLog, RECORDING_HANDLER, waitForEvent, useDevWorker } from "./support/devServer.js";
import { freePort } from "./support/ports.js";

const dev = useDevWorker();

function run(args: string[], options: { cwd?: string; stdin?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.stdin.end(options.stdin ?? "");
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

async function start(env: Record<string, string | number> = {}, handler = RECORDING_HANDLER) {
  const project = await dev.project({ handler, env });
  await mkdir(path.join(project.dir, "packages", "types"), { recursive: true });
  await writeFile(path.join(project.dir, "packages", "types", "index.ts"), `export enum MessageType {\n  OrderNew = "OrderNew",\n  Stripe = "letsgo:stripe",\n}\n`);
  const worker = await dev.worker({ projectDir: project.dir, watch: false });
  return { project, worker };
}

describe("enqueue command", () => {
  it("sends --attribute values as SQS message attributes, and refuses a malformed one before sending", async () => {
    const { project, worker } = await start();
    const handled = waitForEvent(worker, "message:handled");
    const sent = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--attribute", "tenant=acme", "--attribute", "priority:Number=3"]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((await handled).id, sent.stdout.trim());
    const record = (await readLog(project.log)).flatMap((b) => b.event.Records).find((r) => r.messageId === sent.stdout.trim())!;
    assert.deepEqual(record.messageAttributes, {
      tenant: { stringValue: "acme", stringListValues: [], binaryListValues: [], dataType: "String" },
      priority: { stringValue: "3", stringListValues: [], binaryListValues: [], dataType: "Number" },
    });
    const bad = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--attribute", "count:Number=many"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--attribute count:Number needs a number, got "many"/);
    const reserved = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--attribute", "Amazon.x=1"]);
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.stderr, /attributes\.Amazon\.x is reserved/);
    assert.equal(worker.stats().processed, 1, "nothing else was sent");
  });

  it("sends inline, @file and stdin payloads and prints the message id", async () => {
    const { project, worker } = await start();
    const handled = waitForEvent(worker, "message:handled");
    const inline = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--payload", '{"orderId":"o_1"}']);
    assert.equal(inline.code, 0, inline.stderr);
    const id = inline.stdout.trim();
    assert.equal((await handled).id, id);
    assert.equal(inline.stderr, "");

    await writeFile(path.join(project.dir, "payload.json"), '{"orderId":"o_2"}');
    const fromFile = await run(["enqueue", "--cwd", ".", "--url", worker.url, "--type", "OrderNew", "--payload", "@payload.json"], { cwd: project.dir });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const fromStdin = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--payload", "-", "--delay", "1"], {
      stdin: '{"orderId":"o_3"}',
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    await waitForEvent(worker, "message:handled", (o) => o.id === fromStdin.stdout.trim());
    const records = (await readLog(project.log)).flatMap((b) => b.event.Records);
    assert.deepEqual(records.map((r) => JSON.parse(r.body).payload.orderId).sort(), ["o_1", "o_2", "o_3"]);
    // --delay 1 held it back: it was first received at least a second after it was sent (the queue's own clock; a
    // loaded machine only makes the gap larger).
    const delayed = records.find((r) => r.messageId === fromStdin.stdout.trim())!;
    assert.ok(Number(delayed.attributes.ApproximateFirstReceiveTimestamp) - Number(delayed.attributes.SentTimestamp) >= 1000, JSON.stringify(delayed.attributes));
  });

  it("uses LETSGO_LOCAL_QUEUE_URL from apps/worker/.env", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    await writeFile(path.join(project.dir, "apps", "worker", ".env"), `LETSGO_LOCAL_QUEUE_URL=${worker.url}\n`);
    const result = await run(["enqueue", "--cwd", project.dir, "--type", "A"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.trim(), /^[0-9a-f-]{36}$/);
  });

  it("refuses a type the project does not declare, as the app's enqueue() does, naming add-message; nothing is sent", async () => {
    const { project, worker } = await start();
    const result = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNwe"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /"OrderNwe" is not a message type of this project \(packages\/types declares "OrderNew".*\): add it, its payload and its handler with `npx letsgo-worker add-message OrderNwe`, or fix the name\. Nothing was sent\./);
    assert.equal(result.stdout, "");
    assert.equal(worker.stats().visible + worker.stats().inFlight, 0);
  });

  it("exits 1 with a clear error on invalid JSON, a missing --type, or no dev worker", async () => {
    const { project, worker } = await start();
    const badJson = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--payload", "{oops"]);
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /not valid JSON/);
    const noType = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--payload", "{}"]);
    assert.equal(noType.code, 1);
    assert.match(noType.stderr, /--type is required/);
    assert.equal(worker.stats().processed + worker.stats().visible + worker.stats().inFlight, 0);

    const port = await freePort();
    const nobody = await run(["enqueue", "--cwd", project.dir, "--url", `http://127.0.0.1:${port}`, "--type", "OrderNew"]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /The message was not accepted by the dev worker at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(nobody.stderr, /ECONNREFUSED\): start it with `letsgo-worker dev`.*\(gave up after 5 attempts\)/);
  });
});

describe("dlq command", () => {
  it("lists, redrives and purges dead messages", async () => {
    const { project, worker } = await start({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 });
    const dead = waitForEvent(worker, "message:dead");
    const sent = await run(["enqueue", "--cwd", project.dir, "--url", worker.url, "--type", "OrderNew", "--payload", '{"fail":true}']);
    const id = sent.stdout.trim();
    assert.equal((await dead).id, id);

    const list = await run(["dlq", "list", "--cwd", project.dir, "--url", worker.url, "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout);
    assert.deepEqual(listed.map((m: { messageId: string; lastError: string }) => [m.messageId, m.lastError]), [[id, "Error: failed on purpose"]]);
    const human = await run(["dlq", "list", "--cwd", project.dir, "--url", worker.url]);
    assert.match(human.stdout, new RegExp(`${id}  OrderNew`));

    const again = waitForEvent(worker, "message:dead");
    // The 8 characters the console shows are enough.
    const redrive = await run(["dlq", "redrive", "--cwd", project.dir, "--url", worker.url, "--id", id.slice(0, 8)]);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /Moved 1 message back/);
    await again;
    const missing = await run(["dlq", "redrive", "--cwd", project.dir, "--url", worker.url, "--id", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No message nope in the dead-letter queue/);

    const purge = await run(["dlq", "purge", "--cwd", project.dir, "--url", worker.url, "--json"]);
    assert.deepEqual(JSON.parse(purge.stdout), { purged: 1 });
    assert.equal(worker.stats().dead, 0);
  });
});

