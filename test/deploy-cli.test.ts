/**
 * The real CLI binary (bin/letsgo-worker.js → dist/) against moto behind the
 * test proxy: dry run, confirmation rules, a deploy that fails midway (the proxy
 * cuts CreateFunction) and the run after it, up to date, status and destroy;
 * AWS failing under status and logs (exit 1 with the reason, never 70).
 * Needs `npm run build` first (npm test does it).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli, tempDir } from "./support/cli.ts";
import { startMoto, TEST_REGION, type Moto } from "./support/moto.ts";

const IMAGE = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/letsgo-main-worker:v1`;
/**
 * moto's ECR holds no such image (and is no registry): its architecture cannot be
 * read, so these tests vouch for it. The check itself: deploy-image.test.ts.
 */
const WITH_IMAGE = ["--image", IMAGE, "--skip-architecture-check"];

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
    const run = await cli(["deploy", "--dry-run", ...WITH_IMAGE]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\+ ECR repository\s+letsgo-main-worker\s+create/);
    assert.match(run.stdout, /\+ Schedule\s+letsgo-main\/letsgo-main-worker\s+create/);
    assert.match(run.stdout, /10 steps to apply/);
    assert.match(run.stdout, /\+ Lambda async invoke config\s+letsgo-main-worker\s+create/);
    const json = await cli(["deploy", "--dry-run", "--json", ...WITH_IMAGE]);
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
      const deploy = await cli(["deploy", ...WITH_IMAGE, ...extra]);
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
      const run = await runCli(["deploy", "--yes", ...WITH_IMAGE, "--cwd", other.dir], { env: { ...moto.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /\(30 s\) is shorter than LETSGO_WORKER_FUNCTION_TIMEOUT \(120 s\)/);
    } finally {
      await other.cleanup();
    }
  });

  it("refuses a bad deployment name before any AWS call: the name's message, not an unreachable endpoint's", async () => {
    // Nothing listens on port 9: an AWS call (STS first) would fail with "Could not reach AWS ... ECONNREFUSED".
    const closed = { env: { ...moto.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } };
    for (const args of [["deploy", "--yes", ...WITH_IMAGE], ["deploy", "--dry-run", ...WITH_IMAGE], ["status"], ["destroy", "--yes"], ["logs"]]) {
      const run = await runCli([...args, "--deployment", "Bad", "--cwd", project.dir], closed);
      assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
      assert.match(run.stderr, /Deployment name "Bad" must be 1-31 lowercase letters, digits or dashes, starting with a letter or digit\./);
      assert.doesNotMatch(run.stderr, /Could not reach AWS|ECONNREFUSED/);
    }
  });

  it("a deploy that fails midway exits non-zero naming the step; the next run converges, then is up to date", async () => {
    moto.failWhen((request) => request.method === "POST" && /\/functions\/?$/.test(request.path));
    const failed = await cli(["deploy", "--yes", ...WITH_IMAGE]);
    moto.failWhen(undefined);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /Deploy stopped at step "Lambda function"/);
    assert.match(failed.stderr, /✓ SQS queue letsgo-main-worker: create/);

    const resumed = await cli(["deploy", "--yes", ...WITH_IMAGE, "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const applied = (JSON.parse(resumed.stdout) as { applied: Array<{ step: string }> }).applied.map((a) => a.step);
    assert.deepEqual(applied, ["lambda", "lambda-async", "mapping", "schedule-group", "schedule"]);

    const again = await cli(["deploy", "--yes", ...WITH_IMAGE]);
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
    const dry = await cli(["deploy", "--dry-run", "--json", ...WITH_IMAGE, "--deployment", deployment]);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = (JSON.parse(dry.stdout) as { queue: { url: string; arn: string } }).queue;
    assert.deepEqual(planned, { url: `https://sqs.${TEST_REGION}.amazonaws.com/123456789012/letsgo-${deployment}-worker`, arn });
    const dryHuman = await cli(["deploy", "--dry-run", ...WITH_IMAGE, "--deployment", deployment]);
    assert.match(dryHuman.stdout, new RegExp(`Once deployed, your app sends messages with LETSGO_WORKER_QUEUE_URL=\\S+ \\(queue ARN ${arn}\\)`));

    const deployed = await cli(["deploy", "--yes", "--json", ...WITH_IMAGE, "--deployment", deployment]);
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

    const upToDate = await cli(["deploy", "--yes", ...WITH_IMAGE, "--deployment", deployment]);
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

describe("letsgo-worker deploy without apps/worker/.env (CLI)", () => {
  // Deployed from the defaults, the region is LETSGO_WORKER_REGION's default unless AWS_REGION names one: unset it here.
  const DEFAULT_REGION = "us-west-2";
  const imageIn = (region: string) => ["--image", `123456789012.dkr.ecr.${region}.amazonaws.com/letsgo-main-worker:v1`, "--skip-architecture-check"];
  let bare: { dir: string; cleanup: () => Promise<void> };
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli([...args, "--cwd", bare.dir], { env: { ...moto.env, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...env } });

  before(async () => {
    // What a teammate or CI has after a clone: the worker's code, no .env (it is gitignored).
    bare = await tempDir("letsgo-deploy-noenv-");
    await mkdir(path.join(bare.dir, "apps", "worker"), { recursive: true });
  });
  after(() => bare?.cleanup());

  it("--dry-run plans from the defaults and says so plainly", async () => {
    const dry = await run(["deploy", "--dry-run", ...imageIn(DEFAULT_REGION)]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Deployment "main" in us-west-2/);
    assert.ok(dry.stderr.includes("warning: no apps/worker/.env: using the defaults (deployment main, region us-west-2, no secrets)\n"), dry.stderr);
    const json = await run(["deploy", "--dry-run", "--json", ...imageIn(DEFAULT_REGION)]);
    assert.equal(json.code, 0, json.stderr);
    assert.ok((JSON.parse(json.stdout) as { warnings: string[] }).warnings[0]!.startsWith("no apps/worker/.env: using the defaults (deployment main, region us-west-2, no secrets)"));
  });

  it("refuses to deploy the defaults alone before any AWS call, unless --deployment names the deployment", async () => {
    const refused = await run(["deploy", "--yes", ...imageIn(DEFAULT_REGION)], { AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, "");
    assert.ok(
      refused.stderr.includes(
        'error: No apps/worker/.env and no LETSGO_* settings in the environment: deploy would create or update deployment "main" from the defaults alone, with no secrets. Nothing was changed.\n' +
          "Create apps/worker/.env (letsgo-worker init writes one), or export the settings as CI does.\n" +
          "To deploy the defaults on purpose, name the deployment: --deployment <name>. deploy --dry-run shows the plan.\n",
      ),
      refused.stderr,
    );
    assert.doesNotMatch(refused.stderr, /Could not reach AWS|ECONNREFUSED/, "refused before any AWS call");

    const named = await run(["deploy", "--yes", "--deployment", "on-purpose", ...imageIn(DEFAULT_REGION)]);
    assert.equal(named.code, 0, named.stderr);
    assert.ok(named.stderr.includes("warning: no apps/worker/.env: using the defaults (deployment on-purpose, region us-west-2, no secrets)"), named.stderr);
    assert.match(named.stdout, /Deployed "on-purpose" to us-west-2/);
    assert.equal((await run(["destroy", "--yes", "--deployment", "on-purpose"])).code, 0);
  });

  it("deploys settings exported in the environment, as CI does, and names them", async () => {
    const exported = await run(["deploy", "--dry-run", ...imageIn(TEST_REGION)], { LETSGO_DEPLOYMENT: "from-ci", LETSGO_WORKER_REGION: TEST_REGION });
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(
      exported.stderr.includes(`warning: no apps/worker/.env: using the defaults and LETSGO_DEPLOYMENT, LETSGO_WORKER_REGION from the environment (deployment from-ci, region ${TEST_REGION}, no secrets)`),
      exported.stderr,
    );
    const applied = await run(["deploy", "--yes", ...imageIn(TEST_REGION)], { LETSGO_DEPLOYMENT: "from-ci", LETSGO_WORKER_REGION: TEST_REGION });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await run(["destroy", "--yes"], { LETSGO_DEPLOYMENT: "from-ci", LETSGO_WORKER_REGION: TEST_REGION })).code, 0);
  });

  it("compares with apps/worker/.env.example: the values that differ and the secrets it names, never a value of one", async (t) => {
    const example = path.join(bare.dir, "apps", "worker", ".env.example");
    t.after(() => rm(example, { force: true }));
    await writeFile(example, "LETSGO_DEPLOYMENT=prod\nLETSGO_WORKER_REGION=eu-central-1\nLETSGO_WORKER_MEMORY=128\nSTRIPE_WEBHOOK_SECRET=whsec_placeholder_value\nDATABASE_URL=\n");
    const advice = [
      "apps/worker/.env.example sets LETSGO_DEPLOYMENT=prod instead of main, LETSGO_WORKER_REGION=eu-central-1 instead of us-west-2.",
      "apps/worker/.env.example also lists STRIPE_WEBHOOK_SECRET, DATABASE_URL, which this deploy goes without.",
      "To deploy what it describes: cp apps/worker/.env.example apps/worker/.env, then fill in the secrets.",
    ];

    const dry = await run(["deploy", "--dry-run", ...imageIn(DEFAULT_REGION)]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(dry.stderr.includes(`warning: no apps/worker/.env: using the defaults (deployment main, region us-west-2, no secrets)\n  ${advice.join("\n  ")}\n`), dry.stderr);
    const refused = await run(["deploy", "--yes", ...imageIn(DEFAULT_REGION)]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.ok(refused.stderr.includes(`with no secrets. Nothing was changed.\n${advice.join("\n")}\nTo deploy the defaults on purpose`), refused.stderr);
    for (const output of [dry.stderr, dry.stdout, refused.stderr]) assert.doesNotMatch(output, /whsec_placeholder_value/);
  });
});

describe("letsgo-worker deploy: build flags the function could not run (CLI)", () => {
  const closed = () => ({ env: { ...moto.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });

  it("refuses --platform of the other architecture before any AWS call or build", async () => {
    const run = await runCli(["deploy", "--dry-run", "--platform", "linux/amd64", "--cwd", project.dir], closed());
    assert.equal(run.code, 2, run.stderr);
    assert.ok(
      run.stderr.includes(
        "error: --platform linux/amd64 builds an x86_64 image, but the function runs arm64 (LETSGO_WORKER_ARCHITECTURE): Lambda would not run it. " +
          "Drop --platform (deploy builds for linux/arm64), or set LETSGO_WORKER_ARCHITECTURE=x86_64 in apps/worker/.env.",
      ),
      run.stderr,
    );
    const bad = await runCli(["deploy", "--dry-run", "--platform", "linux/386", "--cwd", project.dir], closed());
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--platform must be linux\/arm64 or linux\/amd64/);
  });

  it("refuses --platform or --base-image with --image (nothing is built), and --skip-architecture-check without it", async () => {
    for (const extra of [["--platform", "linux/arm64"], ["--base-image", "my-base:1"]]) {
      const run = await runCli(["deploy", "--dry-run", ...WITH_IMAGE, ...extra, "--cwd", project.dir], closed());
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /error: --platform and --base-image shape the image deploy builds; with --image nothing is built\. Drop them, or drop --image\./);
    }
    const lone = await runCli(["deploy", "--dry-run", "--skip-architecture-check", "--cwd", project.dir], closed());
    assert.equal(lone.code, 2, lone.stderr);
    assert.match(lone.stderr, /error: --skip-architecture-check goes with --image/);
  });

  it("lists the new flags in deploy --help", async () => {
    const help = await runCli(["deploy", "--help"]);
    for (const flag of ["--base-image <ref>", "--platform <platform>", "--skip-architecture-check", "--image <uri>"]) assert.ok(help.stdout.includes(flag), flag);
  });
});
