/**
 * `letsgo-worker dlq list | redrive | purge --aws` as real processes against
 * moto. The queues are created by deploy's own SQS steps; dead messages are put
 * on the DLQ directly (moto runs no function that could fail them). Each test
 * uses its own deployment name.
 *
 * moto 5.2.1 does not implement StartMessageMoveTask, so `redrive --aws` cannot
 * succeed here: the test records the request the CLI sends (through a recording
 * proxy in front of moto) and checks that the failure is reported clearly. It
 * does not pretend the messages moved.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { SQSClient, GetQueueUrlCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { applyResources, connect } from "../src/aws/deploy.ts";
import { deadLetterQueue, workQueue } from "../src/aws/resources/index.ts";
import { CLI, runCli, tempDir } from "./support/cli.ts";
import { startMoto, useMotoEnv, TEST_REGION, type Moto } from "./support/moto.ts";

const ACCOUNT = "123456789012";

let moto: Moto;
let restoreEnv: () => void;
let project: { dir: string; cleanup: () => Promise<void> };

const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, "--cwd", project.dir], { env: { ...moto.env, ...env } });
const sqs = () => new SQSClient({ region: TEST_REGION });

/** Create the deployment's queue and DLQ exactly as `deploy` does; returns the DLQ's URL. */
async function deployQueues(deployment: string): Promise<string> {
  const { aws, target } = await connect({ cwd: project.dir, deployment });
  try {
    await applyResources(aws, target, [deadLetterQueue, workQueue]);
  } finally {
    aws.destroy();
  }
  return (await sqs().send(new GetQueueUrlCommand({ QueueName: `letsgo-${deployment}-worker-dlq` }))).QueueUrl!;
}

async function putDead(dlqUrl: string, body: string): Promise<string> {
  return (await sqs().send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body }))).MessageId!;
}

async function visibleCount(url: string): Promise<number> {
  const attributes = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes!.ApproximateNumberOfMessages);
}

/** Forwards to moto and keeps each request's operation and JSON body, to show what the CLI asked for. */
async function recordingProxy(upstream: string) {
  const requests: Array<{ operation: string; body: unknown }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let parsed: unknown = body.toString("utf8");
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      // query protocol or empty: keep the text
    }
    requests.push({ operation: String(req.headers["x-amz-target"] ?? ""), body: parsed });
    const reply = await fetch(new URL(req.url ?? "/", upstream), { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : body });
    res.writeHead(reply.status, Object.fromEntries(reply.headers));
    res.end(Buffer.from(await reply.arrayBuffer()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Run the CLI on a pseudo-terminal (Python's pty module), type `answer` once
 * `prompt` appears, and return everything it wrote and its exit code.
 */
const PTY_RUNNER = `
import os, pty, sys
answer, prompt, argv = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen, sent = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not sent and prompt in seen:
        os.write(fd, answer.encode())
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
`;

function runOnTerminal(args: string[], prompt: string, answer: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY_RUNNER, answer, prompt, process.execPath, CLI, ...args, "--cwd", project.dir], {
      env: { ...process.env, ...moto.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

before(async () => {
  moto = await startMoto();
  restoreEnv = useMotoEnv(moto);
  project = await tempDir("letsgo-dlq-aws-");
  await mkdir(path.join(project.dir, "apps", "worker"), { recursive: true });
  await writeFile(path.join(project.dir, "apps", "worker", ".env"), "LETSGO_WORKER_SCHEDULE=rate(5 minutes)\n");
});

after(async () => {
  restoreEnv?.();
  await moto?.stop();
  await project?.cleanup();
});

describe("dlq --aws", () => {
  it("list shows the dead messages, as JSON and for people, and leaves them in place", async () => {
    const dlqUrl = await deployQueues("main");
    const order = await putDead(dlqUrl, JSON.stringify({ type: "OrderNew", payload: { orderId: "dead-1" } }));
    const junk = await putDead(dlqUrl, "not json at all");

    const json = await cli(["dlq", "list", "--aws", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const listed = (JSON.parse(json.stdout) as Array<{ messageId: string; type: string | null; body: string; lastError: null; sentAt: string }>).sort((a, b) =>
      a.messageId === order ? -1 : b.messageId === order ? 1 : 0,
    );
    assert.deepEqual(
      listed.map((m) => [m.messageId, m.type, m.body, m.lastError]),
      [
        [order, "OrderNew", JSON.stringify({ type: "OrderNew", payload: { orderId: "dead-1" } }), null],
        [junk, null, "not json at all", null],
      ],
    );
    assert.match(listed[0]!.sentAt, /^\d{4}-\d\d-\d\dT/);

    const human = await cli(["dlq", "list", "--aws"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`${order}  OrderNew  \\d+ receives, sent \\d{4}-`));
    assert.match(human.stdout, new RegExp(`${junk}  \\(not a \\{type, payload\\} message\\)`));
    assert.match(human.stdout, /body: {2}\{"type":"OrderNew","payload":\{"orderId":"dead-1"\}\}/);
    assert.match(human.stdout, new RegExp(`2 messages in ${dlqUrl.replace(/[.]/g, "\\.")}\\. SQS keeps no error: see \`letsgo-worker logs\`\\. Move them back with: letsgo-worker dlq redrive --aws`));
    assert.equal(await visibleCount(dlqUrl), 2, "listing peeks: the messages stay on the DLQ");
  });

  it("list of an empty DLQ says so", async () => {
    const dlqUrl = await deployQueues("empty");
    const human = await cli(["dlq", "list", "--aws", "--deployment", "empty"]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout.trim(), `The dead-letter queue ${dlqUrl} is empty.`);
    const json = await cli(["dlq", "list", "--aws", "--deployment", "empty", "--json"]);
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  it("purge needs --yes without a terminal, then empties the DLQ", async () => {
    const dlqUrl = await deployQueues("purge");
    await putDead(dlqUrl, JSON.stringify({ type: "OrderNew", payload: {} }));
    await putDead(dlqUrl, JSON.stringify({ type: "OrderNew", payload: {} }));

    const refused = await cli(["dlq", "purge", "--aws", "--deployment", "purge"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /No terminal to ask on: pass --yes/);
    assert.equal(await visibleCount(dlqUrl), 2, "nothing deleted without confirmation");

    const purged = await cli(["dlq", "purge", "--aws", "--deployment", "purge", "--yes", "--json"]);
    assert.equal(purged.code, 0, purged.stderr);
    assert.deepEqual(JSON.parse(purged.stdout), { purged: 2, approximate: true, queueUrl: dlqUrl });
    assert.equal(await visibleCount(dlqUrl), 0);
    const received = await sqs().send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    assert.equal(received.Messages?.length ?? 0, 0);

    await putDead(dlqUrl, "again");
    const human = await cli(["dlq", "purge", "--aws", "--deployment", "purge", "-y"]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout.trim(), `Purged the dead-letter queue ${dlqUrl} (about 1 message; SQS may take up to 60 s to finish).`);
    assert.equal(await visibleCount(dlqUrl), 0);
  });

  it("purge on a terminal asks first: no keeps the messages, yes deletes them", async () => {
    const dlqUrl = await deployQueues("ask");
    await putDead(dlqUrl, JSON.stringify({ type: "OrderNew", payload: {} }));
    const question = "Delete all 1 message(s) in letsgo-ask-worker-dlq";

    const declined = await runOnTerminal(["dlq", "purge", "--aws", "--deployment", "ask"], question, "n");
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, /Delete all 1 message\(s\) in letsgo-ask-worker-dlq \(us-east-1, account 123456789012\)\? This cannot be undone\./);
    assert.match(declined.output, /Purge cancelled: nothing was deleted\./);
    assert.equal(await visibleCount(dlqUrl), 1);

    const accepted = await runOnTerminal(["dlq", "purge", "--aws", "--deployment", "ask"], question, "y");
    assert.equal(accepted.code, 0, accepted.output);
    assert.match(accepted.output, /Purged the dead-letter queue .*letsgo-ask-worker-dlq \(about 1 message;/);
    assert.equal(await visibleCount(dlqUrl), 0);
  });

  it("redrive sends StartMessageMoveTask from the DLQ to the queue; moto 5.2.1 lacks it, so the CLI reports the failure (exit 1)", async () => {
    const dlqUrl = await deployQueues("redrive");
    await putDead(dlqUrl, JSON.stringify({ type: "OrderNew", payload: {} }));
    const proxy = await recordingProxy(moto.endpoint);
    try {
      const run = await cli(["dlq", "redrive", "--aws", "--deployment", "redrive"], { AWS_ENDPOINT_URL: proxy.endpoint });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /error: Could not start the SQS message move task from letsgo-redrive-worker-dlq to letsgo-redrive-worker \(HTTP 500\): /);
      assert.match(run.stderr, /the endpoint does not support StartMessageMoveTask/);
      // moto answers HTTP 500, which the SDK retries: every attempt asks for the same move.
      const move = proxy.requests.filter((r) => r.operation === "AmazonSQS.StartMessageMoveTask");
      assert.ok(move.length >= 1);
      for (const request of move) {
        assert.deepEqual(request.body, {
          SourceArn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:letsgo-redrive-worker-dlq`,
          DestinationArn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:letsgo-redrive-worker`,
        });
      }
    } finally {
      await proxy.close();
    }
    assert.equal(await visibleCount(dlqUrl), 1, "the message is still on the DLQ: nothing claims it moved");
  });

  it("redrive --id is refused with --aws: SQS moves a whole queue (exit 2)", async () => {
    const run = await cli(["dlq", "redrive", "--aws", "--id", "some-id"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--id works with the dev worker only/);
  });

  it("a DLQ that is not deployed exits 1 naming the queue and saying to deploy", async () => {
    for (const command of ["list", "redrive", "purge"]) {
      const run = await cli(["dlq", command, "--aws", "--deployment", "nowhere", "--yes"].filter((a) => command === "purge" || a !== "--yes"));
      assert.equal(run.code, 1, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /The queue letsgo-nowhere-worker-dlq does not exist in us-east-1 \(account \d+\)\. Run `letsgo-worker deploy` first/, command);
    }
  });

  it("refuses flags meant for the other target (exit 2)", async () => {
    const urlWithAws = await cli(["dlq", "list", "--aws", "--url", "http://127.0.0.1:9"]);
    assert.equal(urlWithAws.code, 2);
    assert.match(urlWithAws.stderr, /--url names a dev worker/);
    const profileWithoutAws = await cli(["dlq", "purge", "--profile", "p"]);
    assert.equal(profileWithoutAws.code, 2);
    assert.match(profileWithoutAws.stderr, /--profile only applies to the deployed queue: add --aws/);
  });
});
