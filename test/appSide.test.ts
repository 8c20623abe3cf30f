/**
 * The app side, end to end, as a user meets it: `init` in an npm-workspaces
 * monorepo that has an apps/web package; the web package's own server imports
 * @letsgo/queue (linked as npm workspaces link it) and
 *   - enqueues to the real `letsgo-worker dev` (a child process), whose scaffolded
 *     handlers run: OrderNew, a contact form that reaches Slack (a local HTTP
 *     server standing in for Slack's webhook), and a signed Stripe event received
 *     by the app's own webhook handler that reaches the scaffolded Stripe stub;
 *   - with only LETSGO_WORKER_QUEUE_URL changed (the URL `status` prints), sends the
 *     same request to the deployed queue (moto), with no code change.
 * And `stripe trigger customer.subscription.created` into dev gives one Slack post.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Stripe from "stripe";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { applyResources, connect } from "../src/aws/deploy.ts";
import { deadLetterQueue, workQueue } from "../src/aws/resources/index.ts";
import { buildStripeTestEvent } from "../src/stripe/testEvents.ts";
import { linkProjectDependencies, runCli, tempDir } from "./support/cli.ts";
import { startDevCli, type DevCli } from "./support/devServer.ts";
import { startMoto, type Moto } from "./support/moto.ts";
import { startWebApp, type WebApp } from "./support/webApp.ts";

const SECRET = "whsec_app_side_test";

/** The app's own server, as a user would write it with node:http. */
const WEB_SERVER = `
import http from "node:http";
import { createStripeWebhookHandler, enqueue, EnqueueError, MessageValidationError, toNodeHandler } from "@letsgo/queue";
import { MessageType } from "@letsgo/types";

const stripeWebhook = toNodeHandler(createStripeWebhookHandler());

async function json(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === "/api/stripe") return await stripeWebhook(req, res);
    if (req.method === "POST" && req.url === "/api/orders") {
      const { orderId, customerId } = await json(req);
      const [id] = await enqueue({ type: MessageType.OrderNew, payload: { orderId, customerId } });
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      return;
    }
    if (req.method === "POST" && req.url === "/api/contact") {
      const [id] = await enqueue({ type: MessageType.Contact, payload: await json(req) });
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      return;
    }
    res.writeHead(404).end();
  } catch (error) {
    const status = error instanceof MessageValidationError ? 400 : error instanceof EnqueueError ? 503 : 500;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: String(error) }));
  }
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + (server.address() as any).port })));
`;


/** A local HTTP server standing in for Slack's incoming webhook: answers `ok`, keeps each body. */
async function startSlackStandIn() {
  const bodies: Array<{ text: string }> = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    for (const wake of waiters.splice(0)) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`,
    bodies,
    /** Resolves once a post matching `match` has arrived (bounded by the test's timeout). */
    async waitFor(match: (body: { text: string }) => boolean): Promise<{ text: string }> {
      for (;;) {
        const found = bodies.find(match);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Resolve once `check` holds (polled; the test's timeout bounds it). */
async function until(check: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("Scenario: an app in the same monorepo sends work with @letsgo/queue", { timeout: 180_000 }, () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
  let dev: DevCli;
  let web: WebApp | undefined;
  let moto: Moto | undefined;

  before(async () => {
    project = await tempDir("letsgo-app-side-");
    const dir = project.dir;
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "shop", private: true, workspaces: ["apps/*", "packages/*"] }, null, 2));
    await mkdir(path.join(dir, "apps/web"), { recursive: true });
    await writeFile(path.join(dir, "apps/web/package.json"), JSON.stringify({ name: "web", private: true, type: "module", dependencies: { "@letsgo/queue": "*" } }));
    await writeFile(path.join(dir, "apps/web/server.ts"), WEB_SERVER);
    const init = await runCli(["init", "--yes", "--no-keys", dir]);
    assert.equal(init.code, 0, init.stderr);
    const added = await runCli(["add-message", "OrderNew", "--field", "orderId:string", "--field", "customerId:string", "--cwd", dir]);
    assert.equal(added.code, 0, added.stderr);
    await linkProjectDependencies(dir);
    slack = await startSlackStandIn();
    await writeFile(
      path.join(dir, "apps/worker/.env"),
      ["LETSGO_DEPLOYMENT=shop", "LETSGO_WORKER_BATCHING_WINDOW=0", `STRIPE_WEBHOOK_SECRET=${SECRET}`, `SLACK_WEBHOOK_URL=${slack.url}`].join("\n") + "\n",
    );
    dev = await startDevCli(dir, ["--no-schedule"]);
  });

  after(async () => {
    await web?.stop();
    await dev?.stop();
    await slack?.close();
    await moto?.stop();
    await project?.cleanup();
  });

  const handled = (id: string) => dev.waitForLine((line) => line.event === "message:handled" && line.id === id);

  it("enqueues to the dev worker, where the scaffolded OrderNew handler runs", async () => {
    web = await startWebApp(project.dir, { LETSGO_LOCAL_QUEUE_URL: dev.url, STRIPE_WEBHOOK_SECRET: SECRET });
    const reply = await post(`${web.url}/api/orders`, JSON.stringify({ orderId: "o_1", customerId: "c_1" }));
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const outcome = await handled(reply.body.id);
    assert.equal(outcome.type, "OrderNew");
    await dev.waitForLine((line) => line.event === "handler:output" && /OrderNew .*o_1/.test(line.line));
  });

  it("a payload that does not fit its interface in @letsgo/types is refused by the app's enqueue(), with the field and its type", async () => {
    const reply = await post(`${web!.url}/api/orders`, JSON.stringify({ orderId: "o_no_customer" }));
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.match(reply.body.error, /MessageValidationError: payload\.customerId: expected string, got nothing \(OrderNewMessage in @letsgo\/types\)$/);
  });

  it("a contact form message reaches Slack through the scaffolded contact handler", async () => {
    const reply = await post(`${web!.url}/api/contact`, JSON.stringify({ name: "Jenny Rosen", email: "jenny@example.com", message: "Do you ship to Mars?", company: "Acme" }));
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    await handled(reply.body.id);
    const posted = await slack.waitFor((body) => body.text.includes("Do you ship to Mars?"));
    assert.equal(posted.text, "New contact form message from Jenny Rosen (jenny@example.com)\n> Do you ship to Mars?\ncompany: Acme");
  });

  it("a signed Stripe event posted to the app's webhook handler reaches the scaffolded Stripe stub, and Slack", async () => {
    const event = buildStripeTestEvent("customer.subscription.created");
    const payload = JSON.stringify(event);
    const good = await post(`${web!.url}/api/stripe`, payload, { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.eventId, event.id);
    assert.equal((await handled(good.body.messageId)).type, "letsgo:stripe");
    await dev.waitForLine((line) => line.event === "handler:output" && line.line.includes(`Stripe customer.subscription.created ${event.id}: not handled yet.`));
    const posted = await slack.waitFor((body) => body.text.includes(event.data.object.id as string));
    const subscription = event.data.object as { id: string; customer: string; items: { data: Array<{ price: { id: string } }> } };
    assert.equal(posted.text, `[test] New subscription: ${subscription.customer}\n${subscription.items.data[0]!.price.id} ($20.00/month)\n${subscription.id}`);

    const forged = await post(`${web!.url}/api/stripe`, payload, { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_other" }) });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.reason, "bad-signature");
  });

  it("one Stripe secret locally: an app without its own leaves verifying to dev (apps/worker/.env); each log says which process holds what", async () => {
    const event = buildStripeTestEvent("customer.created");
    const payload = JSON.stringify(event);
    const signedWith = (secret: string) => ({ "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }) });
    const bare = await startWebApp(project.dir, { LETSGO_LOCAL_QUEUE_URL: dev.url });
    try {
      const good = await post(`${bare.url}/api/stripe`, payload, signedWith(SECRET));
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.equal(good.body.eventId, event.id);
      assert.equal((await handled(good.body.messageId)).type, "letsgo:stripe");
      // Signed with another secret (a `stripe listen` whose whsec_ is not in apps/worker/.env): dev's 400 passes through.
      const other = await post(`${bare.url}/api/stripe`, payload, signedWith("whsec_from_stripe_listen"));
      assert.equal(other.status, 400, JSON.stringify(other.body));
      assert.equal(other.body.reason, "bad-signature");
      assert.doesNotMatch(JSON.stringify(other.body), /STRIPE_WEBHOOK_SECRET|whsec_/, "no configuration advice to the caller");
      await dev.waitForLine((line) => line.event === "stripe:refused" && line.reason === "bad-signature" && /STRIPE_WEBHOOK_SECRET in apps\/worker\/\.env/.test(line.advice));
      await until(() => /this app has no STRIPE_WEBHOOK_SECRET of its own/.test(bare.stderr()), () => `the app's log: ${bare.stderr()}`);
      assert.match(bare.stderr(), /The dev worker at http:\/\/127\.0\.0\.1:\d+ verified the delivery, with STRIPE_WEBHOOK_SECRET in apps\/worker\/\.env/);
    } finally {
      await bare.stop();
    }
    // The app's secret and dev's differ: 500 (Stripe retries), and the app's log says to make them one.
    const differing = await startWebApp(project.dir, { LETSGO_LOCAL_QUEUE_URL: dev.url, STRIPE_WEBHOOK_SECRET: "whsec_app_only" });
    try {
      const reply = await post(`${differing.url}/api/stripe`, payload, signedWith("whsec_app_only"));
      assert.equal(reply.status, 500, JSON.stringify(reply.body));
      assert.doesNotMatch(JSON.stringify(reply.body), /STRIPE_WEBHOOK_SECRET|apps\/worker/);
      await until(() => /make them the same, or unset this app's and let the dev worker verify/.test(differing.stderr()), () => `the app's log: ${differing.stderr()}`);
    } finally {
      await differing.stop();
    }
  });

  it("`stripe trigger customer.subscription.created` into dev gives exactly one Slack post", async () => {
    const before = slack.bodies.length;
    const result = await runCli(["stripe", "trigger", "customer.subscription.created", "--cwd", project.dir, "--url", dev.url, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const { eventId } = JSON.parse(result.stdout) as { eventId: string };
    const delivered = await dev.waitForLine((line) => line.event === "stripe:received" && line.eventId === eventId);
    await handled(delivered.messageId);
    await slack.waitFor((body) => body.text.startsWith("[test] New subscription"));
    assert.equal(slack.bodies.length, before + 1);
  });

  it("with only LETSGO_WORKER_QUEUE_URL changed, the same app code sends to the deployed queue (moto)", async () => {
    moto = await startMoto();
    const awsEnv = moto.env;
    // The deployment's queues exactly as deploy makes them, in moto.
    const saved = { ...process.env };
    Object.assign(process.env, awsEnv);
    try {
      const { aws, target } = await connect({ cwd: project.dir });
      try {
        await applyResources(aws, target, [deadLetterQueue, workQueue]);
      } finally {
        aws.destroy();
      }
    } finally {
      for (const key of Object.keys(awsEnv)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    const status = await runCli(["status", "--json", "--cwd", project.dir], { env: awsEnv });
    assert.equal(status.code, 0, status.stderr);
    const queueUrl = (JSON.parse(status.stdout) as { queue: { url: string } }).queue.url;

    await web!.stop();
    web = await startWebApp(project.dir, { ...awsEnv, LETSGO_WORKER_QUEUE_URL: queueUrl, LETSGO_LOCAL_QUEUE_URL: dev.url });
    const reply = await post(`${web.url}/api/orders`, JSON.stringify({ orderId: "o_aws", customerId: "c_9" }));
    assert.equal(reply.status, 202, JSON.stringify(reply.body));

    // Checked before it is sent, to SQS too: the app's @letsgo/queue carries the shapes (packages/queue/payloadSchemas.ts).
    const refused = await post(`${web.url}/api/orders`, JSON.stringify({ orderId: 7, customerId: "c_9" }));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error, /payload\.orderId: expected string, got 7 \(OrderNewMessage in @letsgo\/types\)$/);

    const sqs = new SQSClient({ region: awsEnv.AWS_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    try {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      assert.equal(received.Messages?.length, 1);
      assert.equal(received.Messages![0]!.MessageId, reply.body.id);
      assert.deepEqual(JSON.parse(received.Messages![0]!.Body!), { type: "OrderNew", payload: { orderId: "o_aws", customerId: "c_9" } });
    } finally {
      sqs.destroy();
    }
    assert.equal(dev.lines.filter((line) => line.event === "message:handled" && line.id === reply.body.id).length, 0, "nothing went to dev");
  });
});
