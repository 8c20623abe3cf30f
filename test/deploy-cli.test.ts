/**
 * The real CLI binary (bin/letsgo-worker.js → dist/) against moto behind the
 * test proxy: dry run, confirmation rules, a deploy that fails midway (the proxy
 * cuts CreateFunction) and the run after it, up to date, status and destroy;
 * AWS failing under status and logs (exit 1 with the reason, never 70).
 * Needs `npm run build` first (npm test does it).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli, tempDir } from "./support/cli.ts";
import { startMoto, TEST_REGION, type Moto } from "./support/moto.ts";

const IMAGE = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/letsgo-main-worker:v1`;

let moto: Moto;
let project: { dir: string; cleanup: () => Promise<void> };

const cli = (args: string[]) => runCli([...args, "--cwd", project.dir], { env: moto.env });

before(async () => {
  moto = await startMoto();
  project = await tempDir("letsgo-deploy-cli-");
  await mkdir(path.join(project.dir, "apps", "worker"), { recursive: true });
  await writeFile(path.join(project.dir, "apps", "worker", ".env"), "LETSGO_WORKER_SCHEDULE=rate(5 minutes)\nLETSGO_WORKER_PLAIN_ENV=SHOP_NAME\nSHOP_NAME=acme\n");
});

after(async () => {
  await moto?.stop();
  await project?.cleanup();
});

describe("letsgo-worker deploy / status / destroy (CLI)", () => {
  it("--dry-run prints the plan and creates nothing", async () => {
    const run = await cli(["deploy", "--dry-run", "--image", IMAGE]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\+ ECR repository\s+letsgo-main-worker\s+create/);
    assert.match(run.stdout, /\+ Schedule\s+letsgo-main\/letsgo-main-worker\s+create/);
    assert.match(run.stdout, /10 steps to apply/);
    assert.match(run.stdout, /\+ Lambda async invoke config\s+letsgo-main-worker\s+create/);
    const json = await cli(["deploy", "--dry-run", "--json", "--image", IMAGE]);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as { dryRun: boolean; steps: Array<{ id: string; action: string }> };
    assert.equal(plan.dryRun, true);
    assert.equal(plan.steps.find((s) => s.id === "lambda-async")?.action, "create");
    const status = await cli(["status", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.ok((JSON.parse(status.stdout) as { resources: Array<{ present: boolean }> }).resources.every((r) => !r.present));
  });

  it("refuses to deploy or destroy without --yes when there is no terminal to ask on, printing no plan to stdout", async () => {
    for (const extra of [[], ["--json"]]) {
      const deploy = await cli(["deploy", "--image", IMAGE, ...extra]);
      assert.equal(deploy.code, 2, deploy.stderr);
      assert.equal(deploy.stdout, "", "stdout is for results; the refusal is not one");
      assert.match(deploy.stderr, /No terminal to ask on, and 10 steps would change AWS: run with --dry-run to see the plan, then with --yes to apply it/);
      assert.doesNotMatch(deploy.stderr, /ECR repository/, "no plan dumped instead");
    }
    const destroy = await cli(["destroy"]);
    assert.equal(destroy.code, 0, "nothing exists yet, so there is nothing to confirm");
  });

  it("refuses a visibility timeout shorter than the function timeout before calling AWS", async () => {
    const other = await tempDir("letsgo-deploy-cli-vt-");
    try {
      await mkdir(path.join(other.dir, "apps", "worker"), { recursive: true });
      await writeFile(path.join(other.dir, "apps", "worker", ".env"), "LETSGO_WORKER_VISIBILITY_TIMEOUT=30\nLETSGO_WORKER_FUNCTION_TIMEOUT=120\n");
      const run = await runCli(["deploy", "--yes", "--image", IMAGE, "--cwd", other.dir], { env: { ...moto.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /\(30 s\) is shorter than LETSGO_WORKER_FUNCTION_TIMEOUT \(120 s\)/);
    } finally {
      await other.cleanup();
    }
  });

  it("refuses a bad deployment name before any AWS call: the name's message, not an unreachable endpoint's", async () => {
    // Nothing listens on port 9: an AWS call (STS first) would fail with "Could not reach AWS ... ECONNREFUSED".
    const closed = { env: { ...moto.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } };
    for (const args of [["deploy", "--yes", "--image", IMAGE], ["deploy", "--dry-run", "--image", IMAGE], ["status"], ["destroy", "--yes"], ["logs"]]) {
      const run = await runCli([...args, "--deployment", "Bad", "--cwd", project.dir], closed);
      assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, /Deployment name "Bad" must be 1-31 lowercase letters, digits or dashes, starting with a letter or digit\./);
      assert.doesNotMatch(run.stderr, /Could not reach AWS|ECONNREFUSED/);
    }
  });

  it("a deploy that fails midway exits non-zero naming the step; the next run converges, then is up to date", async () => {
    moto.failWhen((request) => request.method === "POST" && /\/functions\/?$/.test(request.path));
    const failed = await cli(["deploy", "--yes", "--image", IMAGE]);
    moto.failWhen(undefined);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /Deploy stopped at step "Lambda function"/);
    assert.match(failed.stderr, /✓ SQS queue letsgo-main-worker: create/);

    const resumed = await cli(["deploy", "--yes", "--image", IMAGE, "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const applied = (JSON.parse(resumed.stdout) as { applied: Array<{ step: string }> }).applied.map((a) => a.step);
    assert.deepEqual(applied, ["lambda", "lambda-async", "mapping", "schedule-group", "schedule"]);

    const again = await cli(["deploy", "--yes", "--image", IMAGE]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date/);
  });

  it("status and logs report AWS failures with exit 1 and the reason, never as a bug (exit 70)", async () => {
    // A region the endpoint does not serve: moto answers with an HTML page, not an AWS reply.
    const region = await cli(["status", "--region", "xx-nowhere-1"]);
    assert.equal(region.code, 1, region.stderr);
    assert.match(region.stderr, /error: Reading the deployment's status in xx-nowhere-1 failed: the endpoint answered HTTP \d+ with something that is not an AWS reply/);
    assert.match(region.stderr, /Check the region/);
    assert.doesNotMatch(region.stderr, /this is a bug in letsgo-worker|\n\s+at /);

    // The identity is found, then every other request is cut.
    moto.failWhen((request) => request.operation !== "GetCallerIdentity");
    try {
      for (const [command, doing] of [["status", "Reading the deployment's status"], ["logs", "Reading the function's logs"]] as const) {
        const cut = await cli([command]);
        assert.equal(cut.code, 1, cut.stderr);
        assert.match(cut.stderr, new RegExp(`error: ${doing} in ${TEST_REGION} failed: `));
        assert.doesNotMatch(cut.stderr, /this is a bug in letsgo-worker|\n\s+at /);
      }
    } finally {
      moto.failWhen(undefined);
    }

    // The endpoint stopped altogether.
    await moto.down();
    try {
      const down = await cli(["status"]);
      assert.equal(down.code, 1, down.stderr);
      assert.match(down.stderr, /error: .*ECONNREFUSED/);
      assert.doesNotMatch(down.stderr, /this is a bug in letsgo-worker|\n\s+at /);
    } finally {
      await moto.up();
    }
  });

  it("status shows the deployment; destroy removes it and a second destroy succeeds", async () => {
    const status = await cli(["status"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Lambda function\s+letsgo-main-worker\s+Active/);
    assert.match(status.stdout, /Schedule: rate\(5 minutes\) \(UTC\), ENABLED, next \d{4}-/);
    assert.match(status.stdout, new RegExp(`Image: ${IMAGE.replace(/\./g, "\\.")}`));
    assert.doesNotMatch(status.stdout, /missing/);

    const first = await cli(["destroy", "--yes"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Destroyed: 10 resources deleted/);
    const second = await cli(["destroy", "--yes"]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Destroyed: 0 resources deleted/);
    const after = await cli(["status", "--json"]);
    assert.ok((JSON.parse(after.stdout) as { resources: Array<{ present: boolean }> }).resources.every((r) => !r.present));
  });
});

describe("letsgo-worker: the queue an app sends to (CLI)", () => {
  type Policy = { Version: string; Statement: Array<{ Sid: string; Effect: string; Action: string; Resource: string }> };
  const arnOf = (deployment: string) => `arn:aws:sqs:${TEST_REGION}:123456789012:letsgo-${deployment}-worker`;

  it("status --sender-policy prints only the policy on stdout, and says on stderr when the queue does not exist yet", async () => {
    const run = await cli(["status", "--sender-policy", "--deployment", "policy-first"]);
    assert.equal(run.code, 0, run.stderr);
    const policy = JSON.parse(run.stdout) as Policy;
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [{ Sid: "SendToLetsgoWorkerQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: arnOf("policy-first") }],
    });
    assert.match(run.stderr, /the queue letsgo-policy-first-worker does not exist yet in us-east-1/);

    const help = await cli(["status", "--help"]);
    assert.match(help.stdout, /--sender-policy/);
    assert.match(help.stdout, /no KMS permission/);
  });

  it("deploy --json, status --json and their human forms give the queue URL and ARN; --sender-policy names that ARN", async () => {
    const deployment = "sends-to";
    const arn = arnOf(deployment);
    const dry = await cli(["deploy", "--dry-run", "--json", "--image", IMAGE, "--deployment", deployment]);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = (JSON.parse(dry.stdout) as { queue: { url: string; arn: string } }).queue;
    assert.deepEqual(planned, { url: `https://sqs.${TEST_REGION}.amazonaws.com/123456789012/letsgo-${deployment}-worker`, arn });
    const dryHuman = await cli(["deploy", "--dry-run", "--image", IMAGE, "--deployment", deployment]);
    assert.match(dryHuman.stdout, new RegExp(`Once deployed, your app sends messages with LETSGO_WORKER_QUEUE_URL=\\S+ \\(queue ARN ${arn}\\)`));

    const deployed = await cli(["deploy", "--yes", "--json", "--image", IMAGE, "--deployment", deployment]);
    assert.equal(deployed.code, 0, deployed.stderr);
    const queue = (JSON.parse(deployed.stdout) as { queue: { url: string; arn: string } }).queue;
    assert.equal(queue.arn, arn);
    assert.match(queue.url, new RegExp(`/123456789012/letsgo-${deployment}-worker$`));

    const status = await cli(["status", "--json", "--deployment", deployment]);
    assert.equal(status.code, 0, status.stderr);
    const statusQueue = (JSON.parse(status.stdout) as { queue: { url: string; arn: string; depth: number } }).queue;
    assert.deepEqual({ url: statusQueue.url, arn: statusQueue.arn, depth: statusQueue.depth }, { url: queue.url, arn, depth: 0 });

    const human = await cli(["status", "--deployment", deployment]);
    assert.ok(human.stdout.includes(`App sends to: LETSGO_WORKER_QUEUE_URL=${queue.url}\n`), human.stdout);
    assert.ok(human.stdout.includes(`queue ARN ${arn}`), human.stdout);

    const upToDate = await cli(["deploy", "--yes", "--image", IMAGE, "--deployment", deployment]);
    assert.equal(upToDate.code, 0, upToDate.stderr);
    assert.match(upToDate.stdout, /up to date/);
    assert.ok(upToDate.stdout.includes(`Your app sends messages with LETSGO_WORKER_QUEUE_URL=${queue.url} (queue ARN ${arn}).`), upToDate.stdout);
    assert.match(upToDate.stderr, /letsgo-worker status --sender-policy/);

    const policy = await cli(["status", "--sender-policy", "--deployment", deployment]);
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal((JSON.parse(policy.stdout) as Policy).Statement[0]!.Resource, arn);
    assert.doesNotMatch(policy.stderr, /note:/, "the queue exists: nothing to say");

    const destroyed = await cli(["destroy", "--yes", "--deployment", deployment]);
    assert.equal(destroyed.code, 0, destroyed.stderr);
  });
});
