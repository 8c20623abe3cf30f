/**
 * The message history behind the dashboard, through a real `dev` and its HTTP
 * API (and `letsgo-worker replay` through the real binary): each message's
 * attempts with their output, kept across a restart; replay as-is and edited,
 * checked against the project's types; live updates over Server-Sent Events;
 * the page and its API behind the same Host/Origin guard. Plus MessageHistory's
 * own bounds, as pure logic.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { MessageHistory } from "../src/dev/history/history.js";
import { runCli } from "./support/cli.js";
import { post, request, useDevWorker } from "./support/devServer.js";

/** Prints a line per record (the output dev files under the attempt) and fails records whose payload says so. */
const PRINTING_HANDLER = `
export async function handler(event: any) {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    const { payload } = JSON.parse(record.body);
    console.log("handling order " + payload.orderId);
    if (payload.fail) {
      (globalThis as any)[Symbol.for("letsgo-worker.outcomes")]?.({ kind: "message", messageId: record.messageId, ok: false, error: new Error("failed on purpose"), durationMs: 0 });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
`;

const TYPES = `
export enum MessageType { OrderNew = "OrderNew" }
export interface OrderNewMessage { type: MessageType.OrderNew; payload: { orderId: string; fail?: boolean } }
`;

async function story(url: string, id: string) {
  return (await request(url, "GET", `/api/message?id=${id}`)).body.message;
}

/** Wait until the history says the message reached `status` (bounded by the test's timeout). */
async function reaches(url: string, id: string, status: string) {
  for (;;) {
    const found = await story(url, id);
    if (found?.status === status) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("dev: the message history", () => {
  const dev = useDevWorker();

  async function start(env: Record<string, string | number> = {}) {
    const project = await dev.project({ handler: PRINTING_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, ...env } });
    await mkdir(path.join(project.dir, "packages", "types"), { recursive: true });
    await writeFile(path.join(project.dir, "packages", "types", "index.ts"), TYPES);
    return project;
  }

  it("files each attempt with what the handler printed, and keeps the history across a restart", async () => {
    const project = await start();
    const first = await dev.worker({ projectDir: project.dir, schedule: false });
    const good = (await post(first.url, { type: "OrderNew", payload: { orderId: "o_1" } })).body.messageIds[0];
    await reaches(first.url, good, "handled");
    const bad = (await post(first.url, { type: "OrderNew", payload: { orderId: "o_2", fail: true } })).body.messageIds[0];
    await reaches(first.url, bad, "dead");

    const handled = await story(first.url, good);
    assert.equal(handled.status, "handled");
    assert.equal(handled.attempts.length, 1);
    assert.ok(handled.attempts[0].output.some((o: { line: string }) => o.line === "handling order o_1"), JSON.stringify(handled.attempts[0].output));
    assert.deepEqual(handled.message, { type: "OrderNew", payload: { orderId: "o_1" } });
    await first.close();

    const second = await dev.worker({ projectDir: project.dir, schedule: false });
    const listed = (await request(second.url, "GET", "/api/messages")).body;
    assert.deepEqual(
      listed.messages.map((m: { id: string; status: string }) => [m.id, m.status]),
      [
        [bad, "dead"],
        [good, "handled"],
      ],
    );
    const dead = await story(second.url, bad.slice(0, 8));
    assert.equal(dead.attempts[0].error, "Error: failed on purpose");
    assert.ok(dead.attempts[0].output.some((o: { line: string }) => o.line === "handling order o_2"));
    const byStatus = (await request(second.url, "GET", "/api/messages?status=dead")).body.messages;
    assert.deepEqual(byStatus.map((m: { id: string }) => m.id), [bad]);
  });

  it("`letsgo-worker replay` sends a copy as it was or edited, checked against the types; the copy links back", async () => {
    const project = await start();
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const original = (await post(worker.url, { type: "OrderNew", payload: { orderId: "o_1" } })).body.messageIds[0];
    await reaches(worker.url, original, "handled");

    const asIs = await runCli(["replay", original.slice(0, 8), "--url", worker.url, "--cwd", project.dir, "--json"]);
    assert.equal(asIs.code, 0, asIs.stderr);
    const copy = JSON.parse(asIs.stdout) as { messageId: string; from: string };
    assert.equal(copy.from, original);
    await reaches(worker.url, copy.messageId, "handled");
    const copyStory = await story(worker.url, copy.messageId);
    assert.equal(copyStory.source, "replay");
    assert.equal(copyStory.from, original);
    assert.deepEqual((await story(worker.url, original)).copies, [copy.messageId]);

    const edited = await runCli(["replay", original, "--url", worker.url, "--cwd", project.dir, "--payload", '{"orderId":"o_edited"}']);
    assert.equal(edited.code, 0, edited.stderr);
    const editedId = edited.stdout.trim();
    await reaches(worker.url, editedId, "handled");
    assert.deepEqual((await story(worker.url, editedId)).message.payload, { orderId: "o_edited" });

    const refused = await runCli(["replay", original, "--url", worker.url, "--cwd", project.dir, "--payload", '{"orderId":5}']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /payload\.orderId: expected string, got 5 \(OrderNewMessage in @letsgo\/types\) Nothing was sent\./);
    const unknown = await runCli(["replay", "ffffffff", "--url", worker.url, "--cwd", project.dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No message ffffffff in the history/);
  });

  it("pushes live updates over Server-Sent Events: an overview at once, then the messages that changed", async () => {
    const project = await start();
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const controller = new AbortController();
    const response = await fetch(`${worker.url}/api/events`, { signal: controller.signal });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}:\n${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      await until(/event: overview\ndata: \{"stats"/);
      const id = (await post(worker.url, { type: "OrderNew", payload: { orderId: "o_live" } })).body.messageIds[0];
      await until(new RegExp(`event: messages\\ndata: \\[[^\\n]*"id":"${id}"[^\\n]*"status":"handled"`));
    } finally {
      controller.abort();
    }
  });

  it("serves the page and its API behind the Host/Origin guard; the Stripe test route signs as Stripe does", async () => {
    const project = await start();
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const page = await fetch(`${worker.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.match(await page.text(), /<script type="module" src="\/dashboard\/app\.js">/);
    const script = await fetch(`${worker.url}/dashboard/app.js`);
    assert.match(script.headers.get("content-type")!, /^text\/javascript/);

    const { request: raw } = await import("node:http");
    const status = (options: { path: string; method: string; headers: Record<string, string> }) =>
      new Promise<number>((resolve, reject) => {
        const req = raw({ host: "127.0.0.1", port: worker.port, ...options }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on("error", reject);
        req.end();
      });
    assert.equal(await status({ path: "/", method: "GET", headers: { host: "evil.example:80" } }), 403, "DNS rebinding");
    assert.equal(await status({ path: "/api/replay?id=x", method: "POST", headers: { origin: "https://evil.example" } }), 403, "a site the developer visits");

    const triggered = await fetch(`${worker.url}/api/stripe/trigger?type=customer.created`, { method: "POST" });
    assert.equal(triggered.status, 200);
    const body = (await triggered.json()) as { messageId: string; type: string };
    assert.equal(body.type, "customer.created");
    assert.equal((await story(worker.url, body.messageId)).source, "stripe");
    assert.equal((await fetch(`${worker.url}/api/stripe/trigger?type=nope`, { method: "POST" })).status, 400);
    // The verified event replays as it was; edited, it would be a forged Stripe event: refused as POST / refuses one.
    const asIs = await fetch(`${worker.url}/api/replay?id=${body.messageId}`, { method: "POST" });
    assert.equal(asIs.status, 201);
    const edited = await fetch(`${worker.url}/api/replay?id=${body.messageId}`, { method: "POST", body: JSON.stringify({ payload: { id: "evt_forged", type: "invoice.paid", created: 1, livemode: true, data: { object: {} } } }) });
    assert.equal(edited.status, 400);
    assert.match(((await edited.json()) as { error: string }).error, /only through POST \/stripe, where Stripe's signature is checked/);

    const types = (await request(worker.url, "GET", "/api/types")).body.types;
    assert.deepEqual(types.find((t: { type: string }) => t.type === "OrderNew"), { type: "OrderNew", handled: false, declaredAs: "OrderNewMessage", example: { orderId: "" } });
  });
});

describe("MessageHistory (pure)", () => {
  it("keeps the newest entries up to its limit, files output under the attempt's request, and says what changed", () => {
    let now = 1_000;
    const history = new MessageHistory({ limit: 3, now: () => now++ });
    for (let i = 1; i <= 5; i++) history.accepted({ id: `m${i}`, type: "T", body: `{"type":"T","payload":${i}}`, sentAt: i }, "send");
    assert.deepEqual(history.list().messages.map((m) => m.id), ["m5", "m4", "m3"]);
    const seq = history.version;
    history.output("req-1", "before the outcome", "stdout");
    history.attempt({ id: "m4", attempt: 1, requestId: "req-1", durationMs: 3.14159 }, true);
    history.output("req-1", "after the outcome (the pipe may lag the reply)", "stderr");
    const entry = history.get("m4")!;
    assert.equal(entry.status, "handled");
    assert.equal(entry.attempts[0]!.durationMs, 3.1);
    assert.deepEqual(entry.attempts[0]!.output.map((o) => o.line), ["before the outcome", "after the outcome (the pipe may lag the reply)"]);
    assert.deepEqual(history.changedSince(seq).changed.map((m) => m.id), ["m4"]);
    history.attempt({ id: "m5", attempt: 1, requestId: "req-2", durationMs: 1, error: "Error: no", dead: true }, false);
    assert.deepEqual(history.list({ status: "dead" }).messages.map((m) => [m.id, m.lastError]), [["m5", "Error: no"]]);
    assert.deepEqual(history.list({ query: "m3" }).messages.map((m) => m.id), ["m3"]);
  });

  it("survives a restart through its file, and a cut body says how long it was", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-history-"));
    try {
      const file = path.join(dir, "history.json");
      const first = new MessageHistory({ file });
      first.accepted({ id: "big", type: "T", body: JSON.stringify({ type: "T", payload: "x".repeat(100_000) }), sentAt: Date.now() }, "send");
      await first.close();
      const second = new MessageHistory({ file });
      await second.load();
      const entry = second.get("big")!;
      assert.equal(entry.body.length, 64 * 1024);
      assert.equal(entry.bodyBytes, 100_000 + '{"type":"T","payload":""}'.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
