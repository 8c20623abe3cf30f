/**
 * The findings of an adversarial run against `dev` (issue 22), one `describe`
 * per finding, each as an attacker or a careless handler would meet it: real
 * HTTP, real handler processes, the real binary, a real browser. Every test
 * here failed on the code before the fix.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { createWorkerHandler } from "../src/runtime/workerHandler.js";
import type { LambdaContext, SqsEvent } from "../src/runtime/types.js";
import { encodeRecord, parseJournal } from "../src/dev/journal/journalFormat.js";
import { recoveryLines } from "../src/dev/journal/recoveryReport.js";
import { SeenKeys } from "../src/dev/queue/seenKeys.js";
import { BIN, makeProject, post, RECORDING_HANDLER, REPO, request, useDevWorker, waitForEvent } from "./support/devServer.js";
import { copyExample, launchBrowser } from "./support/browser.js";
import { mountTmpfs } from "./support/tmpfs.js";

const dev = useDevWorker();
/** In the page (page.evaluate): the browser's document. */
declare const document: any;

/** The fields of an EventBridge Scheduler event, as a sender would forge them beside type and payload. */
const SCHEDULED_FIELDS = {
  version: "0",
  source: "aws.scheduler",
  "detail-type": "Scheduled Event",
  id: "forged-exec",
  account: "123456789012",
  region: "us-east-1",
  time: "1999-01-01T00:00:00Z",
  resources: ["arn:forged"],
  detail: {},
};

describe("1. a message is acknowledged only when its own type's handler ran", () => {
  const CONTEXT = { awsRequestId: "r", getRemainingTimeInMillis: () => 1000 } as unknown as LambdaContext;
  const sqsEvent = (body: unknown): SqsEvent => ({
    Records: [{ messageId: "m1", receiptHandle: "h", body: JSON.stringify(body), attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "s", ApproximateFirstReceiveTimestamp: "0" }, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn", awsRegion: "us-east-1" }],
  });

  for (const [name, body] of [
    ["a scheduled event's fields", { type: "OrderNew", payload: { id: 1 }, ...SCHEDULED_FIELDS }],
    ["a failure record's fields", { type: "OrderNew", payload: { id: 1 }, requestContext: { requestId: "x" }, requestPayload: SCHEDULED_FIELDS }],
  ] as const) {
    it(`the runtime routes a typed message carrying ${name} to its type's handler, never the scheduled one`, async () => {
      const ran: string[] = [];
      const handler = createWorkerHandler({
        handlers: { OrderNew: async () => void ran.push("OrderNew") },
        scheduled: async () => void ran.push("scheduled"),
        logger: { level: "error", debug() {}, info() {}, warn() {}, error() {} },
      });
      const result = await handler(sqsEvent(body), CONTEXT);
      assert.deepEqual(ran, ["OrderNew"]);
      assert.deepEqual(result, { batchItemFailures: [] });
    });
  }

  it("the runtime still re-runs a redriven scheduled run (a failure record, no type)", async () => {
    const ran: string[] = [];
    const handler = createWorkerHandler({ handlers: {}, scheduled: async (event) => void ran.push(event.id), logger: { level: "error", debug() {}, info() {}, warn() {}, error() {} } });
    await handler(sqsEvent({ version: "1.0", requestContext: { requestId: "x" }, requestPayload: SCHEDULED_FIELDS }), CONTEXT);
    assert.deepEqual(ran, ["forged-exec"]);
  });

  it("POST / refuses keys beside type and payload, in every body shape, and queues nothing", async () => {
    const { worker } = await dev.start({});
    const forged = { type: "OrderNew", payload: { id: 1 }, ...SCHEDULED_FIELDS };
    const bodies = [
      forged,
      [forged],
      { type: "OrderNew", payload: {}, requestContext: {}, requestPayload: SCHEDULED_FIELDS },
      { Records: [{ body: JSON.stringify(forged) }] },
    ];
    for (const body of bodies) {
      const reply = await post(worker.url, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.body.error, /besides type and payload/);
    }
    const stats = worker.stats();
    assert.equal(stats.visible + stats.inFlight + stats.delayed + stats.dead, 0);
  });
});

describe("2. history.json is checked, and a Stripe replay must match the journal's verified record", () => {
  const historyFile = (dir: string) => path.join(dir, "apps", "worker", ".letsgo", "history.json");
  /** Rewrite history.json's lines through `edit`, framing them again as a careful forger would (a fresh checksum). */
  const forge = async (dir: string, edit: (entry: any) => void) => {
    const lines = (await readFile(historyFile(dir), "utf8")).split("\n").filter(Boolean);
    const forged = lines.map((line) => {
      const entry = JSON.parse(line.replace(/^\d+ [0-9a-f]{8} /, ""));
      edit(entry);
      return encodeRecord(entry);
    });
    await writeFile(historyFile(dir), forged.join(""));
  };

  it("an edited Stripe amount, checksum recomputed, is refused at replay; the unedited event replays", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    let worker = await dev.worker({ projectDir: project.dir });
    const handled = waitForEvent(worker, "message:handled", (o) => o.type === "letsgo:stripe");
    const trigger = await fetch(`${worker.url}/api/stripe/trigger?type=payment_intent.succeeded`, { method: "POST" });
    assert.equal(trigger.status, 200, await trigger.text());
    const { id } = await handled;
    await worker.close();
    worker = await dev.worker({ projectDir: project.dir });
    // The control: as verified, it replays.
    assert.equal((await fetch(`${worker.url}/api/replay?id=${id}`, { method: "POST" })).status, 201);
    await worker.close();
    await forge(project.dir, (entry) => {
      if (entry.id !== id) return;
      const message = JSON.parse(entry.body);
      message.payload.data.object.amount = 1;
      entry.body = JSON.stringify(message);
    });
    worker = await dev.worker({ projectDir: project.dir });
    const replay = await fetch(`${worker.url}/api/replay?id=${id}`, { method: "POST" });
    assert.equal(replay.status, 409);
    assert.match(((await replay.json()) as { error: string }).error, /not the Stripe event that was verified/);
  });

  it("a flipped byte in history.json leaves that entry out, keeps the file aside, and says so", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    let worker = await dev.worker({ projectDir: project.dir });
    for (const n of [1, 2]) {
      const handled = waitForEvent(worker, "message:handled");
      assert.equal((await post(worker.url, { type: "T", payload: { n } })).status, 201);
      await handled;
    }
    await worker.close();
    const text = await readFile(historyFile(project.dir), "utf8");
    await writeFile(historyFile(project.dir), text.replace('"n":1', '"n":7'));
    worker = await dev.worker({ projectDir: project.dir });
    assert.equal(worker.historyDamage?.lines, 1);
    assert.ok(worker.historyDamage?.setAside && existsSync(worker.historyDamage.setAside));
    const listed = (await request(worker.url, "GET", "/api/messages")).body.messages;
    assert.equal(listed.length, 1, "the damaged entry is left out, the good one kept");
  });
});

describe("6. the payload-shape cache is checked; a damaged one is never a weaker check", () => {
  it("one flipped byte (number → numbes): set aside, derived again, and totalCents \"abc\" still refused", async () => {
    const dir = await copyExample("letsgo-audit-schemas-");
    dev.release(() => rm(dir, { recursive: true, force: true }));
    const cache = path.join(dir, "apps", "worker", ".letsgo", "payload-schemas.json");
    const bad = { type: "OrderNew", payload: { orderId: "o", customerId: "c", totalCents: "abc" } };
    let worker = await dev.worker({ projectDir: dir });
    assert.equal((await post(worker.url, bad)).status, 400, "the control: checked");
    await worker.close();
    const text = await readFile(cache, "utf8");
    assert.ok(text.includes('"number"'));
    await writeFile(cache, text.replace('"number"', '"numbes"'));
    worker = await dev.worker({ projectDir: dir });
    const reply = await post(worker.url, bad);
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.match(reply.body.error, /totalCents/);
    assert.ok(worker.payloadTypes.warnings.some((w) => /payload-schemas\.json was damaged/.test(w)), worker.payloadTypes.warnings.join("\n"));
    assert.doesNotMatch(await readFile(path.join(dir, "packages", "queue", "payloadSchemas.ts"), "utf8"), /numbes/);
    assert.doesNotMatch(await readFile(cache, "utf8"), /numbes/);
  });
});

describe("3. one huge output line is cut, counted and said", () => {
  it("a 20 MB line reaches the console as its first 16 KiB and the count of the rest; the message is handled", async () => {
    const { worker } = await dev.start({
      handler: `
        export async function handler(event: any) {
          process.stdout.write("start:" + "x".repeat(20 * 1024 * 1024) + "\\n");
          console.log("after the long line");
          return { batchItemFailures: [] };
        }`,
    });
    const lines: string[] = [];
    worker.on("handler:output", (o: { line: string }) => lines.push(o.line));
    const handled = waitForEvent(worker, "message:handled");
    assert.equal((await post(worker.url, { type: "Big", payload: {} })).status, 201);
    await handled;
    // Output and the result travel on different pipes: the last line may come after "handled".
    if (!lines.includes("after the long line")) await waitForEvent(worker, "handler:output", (o: { line: string }) => o.line === "after the long line");
    const long = lines.find((line) => line.startsWith("start:"));
    assert.ok(long, "the long line was shown");
    // Compared by length and count, not by value: a failing assertion must not print 20 MB.
    const cut = long.indexOf(" … [");
    assert.ok(cut > 0, `the line says it was cut (${long.length} characters)`);
    const shown = long.slice(0, cut);
    assert.ok(/^start:x+$/.test(shown) && shown.length <= 16 * 1024, `its start is kept (${shown.length} characters)`);
    const dropped = Number(/^ … \[([\d,]+) more characters of this line not shown\]$/.exec(long.slice(cut))?.[1]?.replaceAll(",", ""));
    assert.equal(shown.length + dropped, 20 * 1024 * 1024 + 6, "shown + counted = the line's length");
    assert.ok(lines.includes("after the long line"), "output after the long line still arrives");
  });
});

describe("4. handler output reaches the terminal escaped", () => {
  it("OSC 52 and clear-screen printed by a handler appear as visible escapes on dev's stdout", async () => {
    const project = await makeProject({
      handler: `
        export async function handler() {
          console.log("clip:\\u001b]52;c;aGVsbG8=\\u0007 clear:\\u001b[2J\\u001b[H bidi:\\u202e end");
          return { batchItemFailures: [] };
        }`,
    });
    dev.release(() => project.cleanup());
    const child = spawn(process.execPath, [BIN, "dev", "--cwd", project.dir, "--port", "0", "--no-watch"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    dev.release(async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const seen = async (match: RegExp) => {
      for (;;) {
        const found = out.match(match);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`dev exited (${child.exitCode}):\n${out}`);
        await once(child.stdout!, "data");
      }
    };
    const [, url] = await seen(/letsgo-worker dev\s+(http:\/\/\S+)/);
    assert.equal((await post(url!, { type: "Print", payload: {} })).status, 201);
    const [line] = await seen(/│ clip:.* end\n/);
    assert.equal(line, "│ clip:\\u001b]52;c;aGVsbG8=\\u0007 clear:\\u001b[2J\\u001b[H bidi:\\u202e end\n");
    assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, "no control character reached the terminal raw");
  });
});

describe("5. the dashboard cannot be framed", () => {
  let browser: Browser;
  let attacker: Server;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    attacker?.close();
  });

  it("sends frame-ancestors 'none', X-Frame-Options DENY and a CSP of its own files", async () => {
    const { worker } = await dev.start({});
    for (const pathname of ["/", "/api/overview", "/dashboard/app.js"]) {
      const response = await fetch(`${worker.url}${pathname}`);
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /frame-ancestors 'none'/, pathname);
      assert.match(csp, /script-src 'self'/, pathname);
      assert.equal(response.headers.get("x-frame-options"), "DENY", pathname);
    }
  });

  it("a page of another origin that frames it at #dlq gets no dashboard, and the page itself runs", async () => {
    const { worker } = await dev.start({});
    const port = new URL(worker.url).port;
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>prize</title><iframe id="f" src="http://localhost:${port}/#dlq" onload="document.title='framed'"></iframe>`);
    });
    attacker.listen(0, "127.0.0.1");
    await once(attacker, "listening");
    const page = await browser.newPage();
    try {
      // Its own page, same URL: the dashboard runs there (the control).
      await page.goto(`http://localhost:${port}/#dlq`);
      await page.waitForSelector("#dlq-count");
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => document.title === "framed", undefined, { timeout: 30_000 });
      const frame = page.frames().find((f) => f !== page.mainFrame());
      assert.ok(frame, "the iframe exists");
      const dashboardThere = await frame.evaluate(() => document.querySelector("#dlq-count") !== null).catch(() => false);
      assert.equal(dashboardThere, false, "the dashboard did not load inside another origin's frame");
    } finally {
      await page.close();
    }
  });
});

describe("7. what a handler spawns ends with it", () => {
  /** Alive, and not a zombie waiting to be reaped. */
  const alive = async (pid: number) => {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  };
  const allEnded = async (pids: number[]) => {
    for (let i = 0; i < 300; i++) {
      const living = [];
      for (const pid of pids) if (await alive(pid)) living.push(pid);
      if (living.length === 0) return [];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const living = [];
    for (const pid of pids) if (await alive(pid)) living.push(pid);
    return living;
  };
  /** Spawns 3 sleeps in its group and 2 detached ones (new sessions), prints their pids, then does `how`. */
  const SPAWNING_HANDLER = `
    import { spawn } from "node:child_process";
    export async function handler(event: any) {
      const how = JSON.parse(event.Records[0].body).payload.how;
      const pids = [];
      for (let i = 0; i < 5; i++) {
        const child = spawn("sleep", ["300"], { detached: i >= 3, stdio: "ignore" });
        child.unref();
        pids.push(child.pid);
      }
      console.log("pids " + JSON.stringify(pids));
      if (how === "exit") process.exit(1);
      if (how === "hang") await new Promise((resolve) => setTimeout(resolve, 600_000));
      return { batchItemFailures: [] };
    }`;
  const pidsFrom = (worker: import("../src/dev/worker.js").DevWorker) =>
    waitForEvent(worker, "handler:output", (o) => o.line.startsWith("pids ")).then((o) => JSON.parse(o.line.slice(5)) as number[]);

  it("ends them when the handler calls process.exit", async () => {
    const { worker } = await dev.start({ handler: SPAWNING_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 } });
    const pids = pidsFrom(worker);
    const exited = waitForEvent(worker, "handler:exit");
    assert.equal((await post(worker.url, { type: "Spawn", payload: { how: "exit" } })).status, 201);
    await exited;
    assert.deepEqual(await allEnded(await pids), []);
  });

  it("ends them when the handler times out", async () => {
    const { worker } = await dev.start({ handler: SPAWNING_HANDLER, env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1, LETSGO_WORKER_FUNCTION_TIMEOUT: 2, LETSGO_WORKER_VISIBILITY_TIMEOUT: 5 } });
    const pids = pidsFrom(worker);
    const failed = waitForEvent(worker, "message:failed");
    assert.equal((await post(worker.url, { type: "Spawn", payload: { how: "hang" } })).status, 201);
    assert.match((await failed).error, /timed out/);
    assert.deepEqual(await allEnded(await pids), []);
  });

  it("ends them when dev stops, after the handler returned", async () => {
    const project = await makeProject({ handler: SPAWNING_HANDLER });
    dev.release(() => project.cleanup());
    const { startDevWorker } = await import("../src/dev/worker.js");
    const worker = await startDevWorker({ projectDir: project.dir, port: 0, watch: false });
    const pids = pidsFrom(worker);
    const handled = waitForEvent(worker, "message:handled");
    assert.equal((await post(worker.url, { type: "Spawn", payload: { how: "return" } })).status, 201);
    await handled;
    const spawned = await pids;
    assert.equal((await Promise.all(spawned.map(alive))).every(Boolean), true, "they run while the handler process is warm");
    await worker.close();
    assert.deepEqual(await allEnded(spawned), []);
  });

  it("after kill -9 of dev's process group, the next dev ends what survived and says so", async () => {
    const project = await makeProject({ handler: SPAWNING_HANDLER });
    dev.release(() => project.cleanup());
    const child = spawn(process.execPath, [BIN, "dev", "--cwd", project.dir, "--port", "0", "--json", "--no-watch"], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"], detached: true });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const waitFor = async (match: RegExp) => {
      while (!match.test(out)) {
        if (child.exitCode !== null) throw new Error(`dev exited:\n${out}`);
        await once(child.stdout!, "data");
      }
      return out.match(match)!;
    };
    const [, url] = await waitFor(/"event":"ready".*?"url":"([^"]+)"/);
    assert.equal((await post(url!, { type: "Spawn", payload: { how: "return" } })).status, 201);
    const [, pidsText] = await waitFor(/pids (\[[\d,]+\])/);
    const spawned = JSON.parse(pidsText!.replaceAll("\\", "")) as number[];
    process.kill(-child.pid!, "SIGKILL");
    await once(child, "exit").catch(() => {});
    // The detached ones live on: their sessions are not dev's.
    const survivors = [];
    for (const pid of spawned) if (await alive(pid)) survivors.push(pid);
    assert.ok(survivors.length >= 2, `the detached children survive kill -9 (${survivors.length} alive)`);
    const next = await dev.worker({ projectDir: project.dir });
    assert.ok(next.leftoverProcesses >= survivors.length, `ended ${next.leftoverProcesses}`);
    assert.deepEqual(await allEnded(spawned), []);
  });
});

describe("8. a journal cut short is detected and its loss reported", () => {
  const journalOf = (dir: string) => path.join(dir, "apps", "worker", ".letsgo", "queue.journal");
  /** Six messages waiting (delayed 15 min), acknowledged (201), then dev stopped cleanly. */
  const sixWaiting = async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const reply = await post(worker.url, Array.from({ length: 6 }, (_, n) => ({ type: "Later", payload: { n } })), "?delaySeconds=900");
    assert.equal(reply.status, 201);
    await worker.close();
    const data = await readFile(journalOf(project.dir));
    return { project, data };
  };
  /** The byte offsets where each record line ends. */
  const lineEnds = (data: Buffer) => [...data.entries()].filter(([, byte]) => byte === 0x0a).map(([i]) => i + 1);
  const journalLines = (worker: import("../src/dev/worker.js").DevWorker) => recoveryLines(worker.replay).map((line) => line.text);

  it("cut at a record boundary: the missing records and at least the lost messages are said", async () => {
    const { project, data } = await sixWaiting();
    const ends = lineEnds(data);
    await writeFile(journalOf(project.dir), data.subarray(0, ends[ends.length - 4]));
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    assert.equal(worker.stats().delayed, 3);
    assert.equal(worker.replay.seal?.state, "cut");
    const text = journalLines(worker).join("\n");
    assert.match(text, /3 records missing/);
    assert.match(text, /at least 3 acknowledged messages \(answered 201\) are lost/);
  });

  it("cut to 0 bytes: all six are reported lost", async () => {
    const { project } = await sixWaiting();
    await writeFile(journalOf(project.dir), "");
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    assert.match(journalLines(worker).join("\n"), /at least 6 acknowledged messages/);
  });

  it("cut mid-record: no \"never acknowledged\" claim; the loss is said", async () => {
    const { project, data } = await sixWaiting();
    const ends = lineEnds(data);
    await writeFile(journalOf(project.dir), data.subarray(0, ends[ends.length - 3]! + 10));
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const text = journalLines(worker).join("\n");
    assert.doesNotMatch(text, /never acknowledged/);
    assert.match(text, /at least 2 acknowledged messages/);
  });

  it("a torn write past the last acknowledged one (a crash mid-write) is still called never acknowledged", async () => {
    const { project, data } = await sixWaiting();
    await writeFile(journalOf(project.dir), Buffer.concat([data, Buffer.from('99 0a1b2c3d {"k":"e","id":"half')]));
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    assert.equal(worker.stats().delayed, 6);
    const text = journalLines(worker).join("\n");
    assert.match(text, /never acknowledged \(no 201\)/);
    assert.doesNotMatch(text, /lost/);
  });
});

describe("9. smaller findings", () => {
  it("a plain JSON line after checksummed records is a bad line, not a record", () => {
    const enqueue = { k: "e", id: "a", ty: "T", b: "{}", t: 1, v: 1 };
    const inserted = { k: "e", id: "forged", ty: "T", b: "{}", t: 2, v: 2 };
    const data = Buffer.from(encodeRecord(enqueue) + JSON.stringify(inserted) + "\n");
    const ids: string[] = [];
    const parsed = parseJournal(data, (v): v is { id: string } => typeof v === "object", (record) => ids.push(record.id));
    assert.deepEqual(ids, ["a"]);
    assert.equal(parsed.bad.length, 1);
    // A file from before checksums (plain lines first) still reads.
    const old = parseJournal(Buffer.from(JSON.stringify(enqueue) + "\n" + encodeRecord(inserted)), (v): v is { id: string } => typeof v === "object");
    assert.equal(old.records, 2);
  });


  it("POST /api/replay answers 400, not 500, for a 10,000-deep payload", async () => {
    const { worker } = await dev.start({});
    const handled = waitForEvent(worker, "message:handled");
    const sent = await post(worker.url, { type: "Ok", payload: {} });
    await handled;
    const deep = `{"payload":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const response = await fetch(`${worker.url}/api/replay?id=${sent.body.messageIds[0]}`, { method: "POST", body: deep, headers: { "content-type": "application/json" } });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /levels deep/);
  });

  it("a journal path that is a directory: exit 1 saying what to move, not 70 (a bug)", async () => {
    const project = await makeProject({ handler: RECORDING_HANDLER });
    dev.release(() => project.cleanup());
    await mkdir(path.join(project.dir, "apps", "worker", ".letsgo", "queue.journal"), { recursive: true });
    const child = spawn(process.execPath, [BIN, "dev", "--cwd", project.dir, "--port", "0", "--no-watch", "--no-schedule"], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = await once(child, "exit");
    assert.equal(code, 1, stderr);
    assert.match(stderr, /holds a directory where dev keeps one of its files \(EISDIR\)/);
    assert.doesNotMatch(stderr, /bug/);
  });

  it("Stripe event ids are remembered for 7 days, not only for the last 10,000", () => {
    const seen = new SeenKeys();
    const start = Date.parse("2026-01-01T00:00:00Z");
    seen.add("stripe:evt_first", start);
    for (let i = 0; i < 20_000; i++) seen.add(`stripe:evt_${i}`, start + i);
    assert.equal(seen.has("stripe:evt_first", start + 6 * 24 * 3600_000), true, "six days and 20,000 events later");
    assert.equal(seen.has("stripe:evt_first", start + 8 * 24 * 3600_000), false, "forgotten after a week");
  });

  it("the dashboard shows a journal that cannot be written, as /health does", async (t) => {
    const project = await makeProject({ handler: RECORDING_HANDLER });
    dev.release(() => project.cleanup());
    const stateDir = path.join(project.dir, "apps", "worker", ".letsgo");
    const disk = await mountTmpfs(stateDir, "2m");
    if ("skip" in disk) return t.skip(disk.skip);
    dev.release(() => disk.unmount());
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    dev.release(() => worker.close().catch(() => {}));
    await disk.fill(path.join(stateDir, "ballast"), 0);
    const big = JSON.stringify({ type: "Big", payload: { fill: "x".repeat(8000) } });
    assert.equal((await fetch(`${worker.url}/?delaySeconds=900`, { method: "POST", body: big })).status, 503);
    const browser = await launchBrowser();
    // Each refused send marks the journal degraded again (a probe may find a few freed bytes between them).
    let sending = true;
    const sender = (async () => {
      while (sending) {
        await fetch(`${worker.url}/?delaySeconds=900`, { method: "POST", body: big }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      const page = await browser.newPage();
      await page.goto(`${worker.url}/`);
      const banner = page.locator("#journal-state");
      await banner.waitFor({ state: "visible", timeout: 30_000 });
      assert.match((await banner.textContent()) ?? "", /queue journal cannot be written .*full disk \(ENOSPC.*POST \/ answers 503/);
    } finally {
      sending = false;
      await sender;
      await browser.close();
    }
  });

  it("live-update streams are capped; POST / keeps working past the cap", async () => {
    const { worker } = await dev.start({});
    const { hostname, port } = new URL(worker.url);
    const open: Array<import("node:http").ClientRequest> = [];
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const req = httpRequest({ hostname, port, path: "/api/events" });
        open.push(req);
        req.end();
        const [response] = (await once(req, "response")) as [import("node:http").IncomingMessage];
        statuses.push(response.statusCode!);
        if (response.statusCode !== 200) response.resume();
      }
      assert.deepEqual(statuses.filter((s) => s === 200).length, 32);
      assert.deepEqual(new Set(statuses.slice(32)), new Set([503]));
      assert.equal((await post(worker.url, { type: "Ok", payload: {} })).status, 201);
      assert.equal((await request(worker.url, "GET", "/health")).status, 200);
    } finally {
      for (const req of open) req.destroy();
    }
  });
});
