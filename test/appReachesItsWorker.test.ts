/**
 * Each project's app reaches only its own worker, and what a project does not
 * declare stops where it is sent (issue 21, items 1, 2 and 5), through the real
 * binary and a real app:
 * - project "blog" (init + add-message, an app in apps/web importing the
 *   scaffold's @letsgo/queue) and project "shop", whose `dev` holds the port
 *   blog's app sends to, as two projects on the default 3002 would: blog's
 *   enqueue() and its Stripe handler are refused with 409, in the CLI's words,
 *   and shop's worker takes nothing;
 * - blog's enqueue() refuses a type blog does not declare before sending,
 *   naming `add-message`;
 * - outside any project, the CLI refuses to guess a worker;
 * - a project's running-worker record exists by the time /health answers 200.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { freePort } from "./support/ports.js";
import { startWebApp } from "./support/webApp.js";
import path from "node:path";
import Stripe from "stripe";
import { buildStripeTestEvent } from "../src/stripe/testEvents.ts";
import { linkProjectDependencies, runCli, tempDir } from "./support/cli.ts";
import { BIN, REPO, request, startDevCli, type DevCli } from "./support/devServer.ts";

const SECRET = "whsec_two_projects";

/** Blog's own server: it enqueues whatever JSON it is posted, and mounts the Stripe handler. */
const WEB_SERVER = `
import http from "node:http";
import { createStripeWebhookHandler, enqueue, toNodeHandler } from "@letsgo/queue";

const stripeWebhook = toNodeHandler(createStripeWebhookHandler());
const server = http.createServer(async (req, res) => {
  if (req.url === "/api/stripe") return stripeWebhook(req, res);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const ids = await enqueue(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ ids }));
  } catch (error) {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: String(error) }));
  }
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + (server.address() as any).port })));
`;


async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A project made as a user makes one: a workspaces monorepo, `init`, `add-message`. */
async function makeProject(name: string, withWebApp: boolean) {
  const project = await tempDir(`letsgo-${name}-`);
  const dir = project.dir;
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name, private: true, workspaces: ["apps/*", "packages/*"] }, null, 2));
  if (withWebApp) {
    await mkdir(path.join(dir, "apps/web"), { recursive: true });
    await writeFile(path.join(dir, "apps/web/package.json"), JSON.stringify({ name: `${name}-web`, private: true, type: "module", dependencies: { "@letsgo/queue": "*" } }));
    await writeFile(path.join(dir, "apps/web/server.ts"), WEB_SERVER);
  }
  const init = await runCli(["init", "--yes", "--no-keys", dir]);
  assert.equal(init.code, 0, init.stderr);
  const added = await runCli(["add-message", "PostPublished", "--field", "postId:string", "--cwd", dir]);
  assert.equal(added.code, 0, added.stderr);
  await linkProjectDependencies(dir);
  await writeFile(path.join(dir, "apps/worker/.env"), ["LETSGO_WORKER_BATCHING_WINDOW=0", `STRIPE_WEBHOOK_SECRET=${SECRET}`].join("\n") + "\n");
  return project;
}

describe("Scenario: two projects, one port: each app reaches only its own worker", { timeout: 240_000 }, () => {
  let blog: Awaited<ReturnType<typeof makeProject>>;
  let shop: Awaited<ReturnType<typeof makeProject>>;
  let shopDev: DevCli;
  let web: Awaited<ReturnType<typeof startWebApp>>;

  before(async () => {
    [blog, shop] = await Promise.all([makeProject("blog", true), makeProject("shop", false)]);
    shopDev = await startDevCli(shop.dir, ["--no-schedule"]);
    // Blog's app points at the port shop's worker holds, as both would on the default 3002.
    web = await startWebApp(blog.dir, { LETSGO_LOCAL_QUEUE_URL: shopDev.url, STRIPE_WEBHOOK_SECRET: SECRET });
  });
  after(async () => {
    await web?.stop();
    await shopDev?.stop();
    await blog?.cleanup();
    await shop?.cleanup();
  });

  it("blog's enqueue() is refused by shop's worker with 409, naming both projects and what to run; shop takes nothing", async () => {
    for (const message of [{ type: "PostPublished", payload: { postId: "p1" } }, { type: "letsgo:contact", payload: { email: "a@b.c", message: "hi" } }]) {
      const reply = await post(`${web.url}/api/send`, JSON.stringify(message));
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.match(reply.body.error, new RegExp(`runs "shop" \\(${shop.dir.replace(/[.]/g, "\\.")}\\), not "blog": nothing was sent`));
      assert.match(reply.body.error, /HTTP 409/);
      assert.match(reply.body.error, /letsgo-worker dev/);
    }
    assert.equal((await request(shopDev.url, "GET", "/stats")).body.visible, 0);
    assert.equal(shopDev.lines.filter((line) => line.event === "message:handled").length, 0, "shop handled nothing of blog's");
  });

  it("blog's Stripe handler is refused by shop's worker too, and Stripe is asked to deliver again", async () => {
    const payload = JSON.stringify(buildStripeTestEvent("invoice.paid"));
    const reply = await post(`${web.url}/api/stripe`, payload, { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) });
    assert.ok(reply.status >= 500, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    assert.equal(shopDev.lines.filter((line) => line.event === "stripe:received").length, 0);
  });

  it("blog's enqueue() refuses a type blog does not declare before sending anything, naming add-message", async () => {
    const reply = await post(`${web.url}/api/send`, JSON.stringify({ type: "NoSuchType", payload: {} }));
    assert.equal(reply.status, 400);
    assert.match(reply.body.error, /MessageValidationError: message\.type "NoSuchType" is not a message type of this project \(packages\/types declares "PostPublished"\): add it, its payload and its handler with `npx letsgo-worker add-message NoSuchType`/);
  });

  it("outside any project, the CLI names no worker it was not given", async () => {
    const nowhere = await tempDir("letsgo-nowhere-");
    try {
      const guessed = await runCli(["enqueue", "--type", "PostPublished", "--payload", '{"postId":"p"}'], { cwd: nowhere.dir });
      assert.equal(guessed.code, 1, guessed.stderr);
      assert.match(guessed.stderr, /No letsgo-worker project in .*: nothing was sent\. Pass --cwd <project> .* or --url/);
      const named = await runCli(["enqueue", "--type", "PostPublished", "--payload", '{"postId":"p"}', "--url", shopDev.url, "--json"], { cwd: nowhere.dir });
      assert.equal(named.code, 0, named.stderr);
      assert.equal(JSON.parse(named.stdout).target, shopDev.url);
    } finally {
      await nowhere.cleanup();
    }
  });
});

describe("Scenario: a script waits for /health, then runs the project's commands", { timeout: 120_000 }, () => {
  it("the running-worker record is there when /health first answers 200, so the commands reach this worker", async () => {
    const project = await makeProject("waiter", false);
    const port = await freePort();
    const dev = spawn(process.execPath, [BIN, "dev", "--cwd", project.dir, "--port", String(port), "--no-schedule"], { cwd: REPO, stdio: "ignore" });
    try {
      const record = path.join(project.dir, "apps/worker/.letsgo/dev.json");
      let first: { status: number; recorded: boolean } | undefined;
      while (!first) {
        if (dev.exitCode !== null) throw new Error(`dev exited (${dev.exitCode})`);
        const status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
        // At the very moment of the first 200, look for the record.
        if (status === 200) first = { status, recorded: existsSync(record) };
        else await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(first.recorded, "no running-worker record when /health answered 200");
      // One checksummed record: `<length> <crc32c> <json>`.
      assert.equal(JSON.parse(readFileSync(record, "utf8").replace(/^\d+ [0-9a-f]{8} /, "")).url, `http://127.0.0.1:${port}`);
      const sent = await runCli(["enqueue", "--type", "PostPublished", "--payload", '{"postId":"p"}', "--cwd", project.dir, "--json"]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(JSON.parse(sent.stdout).target, `http://127.0.0.1:${port}`);
    } finally {
      dev.kill("SIGTERM");
      if (dev.exitCode === null) await once(dev, "exit");
      await project.cleanup();
    }
  });
});

