import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, notifySlack, SLACK_WEBHOOK_URL_ENV, type Logger } from "../src/runtime/index.js";
import type { LogLine } from "./support/awsEvents.js";

/** The part of a webhook URL that is the secret. */
const WEBHOOK_PATH = "/services/T0TEST/B0TEST/s3cr3tW3bh00kT0k3n";

type Reply = { status: number; body?: string; headers?: Record<string, string> } | "never";

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface FakeSlack {
  url: string;
  requests: Received[];
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections(); // the "never answers" server still holds requests open
    server.close();
    await once(server, "close");
  }
});

/** A local stand-in for Slack's webhook: answers the n-th request with replies[n] (the last one repeats). */
async function startSlack(...replies: Reply[]): Promise<FakeSlack> {
  const requests: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const reply = replies[Math.min(requests.length, replies.length) - 1] ?? { status: 200, body: "ok" };
      if (reply === "never") return;
      response.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers }).end(reply.body ?? "");
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, requests };
}

/** A loopback URL nothing listens on: a server is started on a free port, then closed. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
}

/** A real runtime logger at debug level that keeps its lines, raw and parsed. */
function recordingLogger(): { logger: Logger; raw: string[]; lines: LogLine[] } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: "debug",
    write: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, raw, lines };
}

describe("Function: notifySlack", () => {
  const savedUrl = process.env[SLACK_WEBHOOK_URL_ENV];
  afterEach(() => {
    if (savedUrl === undefined) delete process.env[SLACK_WEBHOOK_URL_ENV];
    else process.env[SLACK_WEBHOOK_URL_ENV] = savedUrl;
  });

  it("posts the text as JSON to SLACK_WEBHOOK_URL, read at call time", async () => {
    // Prepare
    const slack = await startSlack({ status: 200, body: "ok" });
    process.env[SLACK_WEBHOOK_URL_ENV] = slack.url;
    const { logger } = recordingLogger();
    // Act
    const result = await notifySlack("Payment failed: $20.00", { logger });
    // Assess
    assert.deepEqual(result, { sent: true, attempts: 1 });
    assert.equal(slack.requests.length, 1);
    const [request] = slack.requests;
    assert.equal(request!.method, "POST");
    assert.equal(request!.url, WEBHOOK_PATH);
    assert.match(request!.headers["content-type"] ?? "", /^application\/json/);
    assert.deepEqual(JSON.parse(request!.body), { text: "Payment failed: $20.00" });
  });

  it("posts text and blocks of a SlackMessage to the webhookUrl option, which overrides the environment", async () => {
    // Prepare
    const slack = await startSlack({ status: 200, body: "ok" });
    process.env[SLACK_WEBHOOK_URL_ENV] = await refusedUrl();
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*New subscription*" } }];
    // Act
    const result = await notifySlack({ text: "New subscription", blocks }, { webhookUrl: slack.url, logger: recordingLogger().logger });
    // Assess
    assert.deepEqual(result, { sent: true, attempts: 1 });
    assert.deepEqual(JSON.parse(slack.requests[0]!.body), { text: "New subscription", blocks });
  });

  it("retries a 500 and is sent on the second attempt", async () => {
    // Prepare
    const slack = await startSlack({ status: 500, body: "internal_error" }, { status: 200, body: "ok" });
    const { logger, lines } = recordingLogger();
    // Act
    const result = await notifySlack("hello", { webhookUrl: slack.url, logger });
    // Assess
    assert.deepEqual(result, { sent: true, attempts: 2 });
    assert.equal(slack.requests.length, 2);
    const retry = lines.find((line) => line.msg === "slack notification attempt failed, retrying");
    assert.equal(retry?.level, "debug");
    assert.equal(retry?.status, 500);
    assert.equal(lines.filter((line) => line.level === "error").length, 0);
  });

  it("waits for Retry-After on a 429, then sends", async () => {
    // Prepare
    const slack = await startSlack({ status: 429, body: "rate_limited", headers: { "retry-after": "1" } }, { status: 200, body: "ok" });
    // Act
    const result = await notifySlack("hello", { webhookUrl: slack.url, logger: recordingLogger().logger });
    // Assess
    assert.deepEqual(result, { sent: true, attempts: 2 });
    const [first, second] = slack.requests;
    // Lower bound only: Retry-After was honoured instead of the 250 ms backoff (the timer may fire a few ms early).
    assert.ok(second!.at - first!.at >= 950, `second request came ${second!.at - first!.at} ms after the first`);
  });

  it("gives up at once on a 429 whose Retry-After is longer than the cap", async () => {
    // Prepare
    const slack = await startSlack({ status: 429, body: "rate_limited", headers: { "retry-after": "3600" } });
    const { logger, lines } = recordingLogger();
    // Act
    const result = await notifySlack("hello", { webhookUrl: slack.url, logger, maxRetryAfterMs: 5000 });
    // Assess
    assert.equal(result.sent, false);
    assert.ok(!result.sent && result.reason === "failed");
    assert.equal(result.status, 429);
    assert.equal(result.attempts, 1);
    assert.match(result.error, /Retry-After 3600 s/);
    assert.equal(slack.requests.length, 1);
    assert.deepEqual(
      lines.filter((line) => line.level === "error").map((line) => line.msg),
      ["slack notification failed"],
    );
  });

  it("does not retry Slack's 400 invalid_payload", async () => {
    // Prepare
    const slack = await startSlack({ status: 400, body: "invalid_payload" });
    const { logger, lines } = recordingLogger();
    // Act
    const result = await notifySlack("hello", { webhookUrl: slack.url, logger });
    // Assess
    assert.deepEqual(result, { sent: false, reason: "failed", error: "HTTP 400: invalid_payload", status: 400, attempts: 1 });
    assert.equal(slack.requests.length, 1);
    const failed = lines.filter((line) => line.level === "error");
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0], { level: "error", msg: "slack notification failed", attempts: 1, status: 400, error: "HTTP 400: invalid_payload" });
  });

  it("resolves as failed when the webhook never answers (per-attempt timeout)", async () => {
    // Prepare
    const slack = await startSlack("never");
    // Act
    const result = await notifySlack("hello", { webhookUrl: slack.url, logger: recordingLogger().logger, timeoutMs: 100, attempts: 2 });
    // Assess
    assert.deepEqual(result, { sent: false, reason: "failed", error: "timed out after 100 ms", attempts: 2 });
    assert.equal(slack.requests.length, 2);
  });

  it("resolves as failed after every attempt when the connection is refused", async () => {
    // Prepare
    const url = await refusedUrl();
    const { logger, lines } = recordingLogger();
    // Act
    const result = await notifySlack("hello", { webhookUrl: url, logger });
    // Assess
    assert.ok(!result.sent && result.reason === "failed");
    assert.equal(result.attempts, 3);
    assert.equal(result.status, undefined);
    assert.match(result.error, /ECONNREFUSED/);
    assert.equal(lines.filter((line) => line.msg === "slack notification attempt failed, retrying").length, 2);
    assert.equal(lines.filter((line) => line.level === "error").length, 1);
  });

  it("does nothing but log one debug line when no webhook URL is configured", async () => {
    // Prepare
    delete process.env[SLACK_WEBHOOK_URL_ENV];
    const { logger, lines } = recordingLogger();
    // Act
    const fromEnv = await notifySlack("hello", { logger });
    const emptyOption = await notifySlack("hello", { logger: recordingLogger().logger, webhookUrl: "" });
    // Assess
    assert.deepEqual(fromEnv, { sent: false, reason: "not-configured" });
    assert.deepEqual(emptyOption, { sent: false, reason: "not-configured" });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "debug");
  });

  it("posts nothing for a message with no text and no blocks", async () => {
    // Prepare
    const slack = await startSlack({ status: 200, body: "ok" });
    const { logger, lines } = recordingLogger();
    // Act
    const result = await notifySlack({ text: "  ", blocks: [] }, { webhookUrl: slack.url, logger });
    // Assess
    assert.deepEqual(result, { sent: false, reason: "failed", error: "the message has no text and no blocks", attempts: 0 });
    assert.equal(slack.requests.length, 0);
    assert.deepEqual(lines.map((line) => line.level), ["error"]);
  });

  it("never logs or returns the webhook URL, even when the error echoes it", async () => {
    // Prepare
    const slack = await startSlack({ status: 404, body: `no_service ${WEBHOOK_PATH}` });
    const hanging = await startSlack("never");
    const { logger, raw } = recordingLogger();
    // Act
    const results = [
      await notifySlack("hello", { webhookUrl: slack.url, logger }),
      await notifySlack("hello", { webhookUrl: hanging.url, logger, timeoutMs: 50, attempts: 2 }),
      await notifySlack("hello", { webhookUrl: await refusedUrl(), logger, attempts: 2 }),
      await notifySlack("hello", { webhookUrl: `not a url ${WEBHOOK_PATH}`, logger }),
    ];
    // Assess
    assert.ok(results.every((result) => !result.sent && result.reason === "failed"));
    assert.match(raw.join("\n"), /no_service <webhook>/);
    for (const text of [...raw, ...results.map((result) => JSON.stringify(result))]) {
      assert.ok(!text.includes("s3cr3tW3bh00kT0k3n"), `leaked the webhook URL: ${text}`);
    }
  });
});
