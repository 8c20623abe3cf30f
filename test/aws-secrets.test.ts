/**
 * No secret ever sits in plaintext, against a real AWS API emulator (moto) and
 * the real CLI: every variable of apps/worker/.env that is not plain lands in
 * SSM as a SecureString and nowhere in the function's configuration (both read
 * back), the one listed in LETSGO_WORKER_PLAIN_ENV stays plain, and no dry run,
 * deploy or status, human or --json, prints a secret value (each output is
 * searched for each value). A changed secret reads `(secret, changed)`.
 *
 * moto never quotes a refused value in its errors, as AWS's validation errors
 * do; the test that shows such an error is redacted makes the SDK call fail
 * with one, through the call recorder, before it reaches moto.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { prepareDeploy } from "../src/aws/deploy.ts";
import { ServiceError } from "../src/errors.ts";
import { setEnvValues } from "../src/project/dotenv.ts";
import { runCli, type CliResult } from "./support/cli.ts";
import { IMAGE, NAME, client, deploy, moto, project, useDeployFixture, writeEnv } from "./support/deployFixture.ts";

useDeployFixture();

/** Every kind of variable a worker's .env holds: the user's own (secrets by default), a worker secret setting, and a plain one. */
const SECRETS: Record<string, string> = {
  DATABASE_URL: "postgres://admin:SuperSecretDbPass99@db.example.com:5432/shop",
  REDIS_URL: "redis://:RedisPassw0rd42@cache.example.com:6379",
  MONGODB_URI: "mongodb+srv://app:M0ngoPassw0rd77@cluster0.example.mongodb.net/shop?retryWrites=true&w=majority",
  OPENAI_APIKEY: "sk-proj-T3stKey0123456789abcdefXYZ",
  SMTP_PASS: "smtp-Pass-4c7d9e2f1a",
  SENTRY_DSN: "https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/456",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
  ENCRYPTION_KEY_1: "enc-key-1-a9b8c7d6e5f4",
  PASSPHRASE: "correct horse battery staple",
  TWILIO_AUTH: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
  STRIPE_WEBHOOK_SECRET: "whsec_test123",
};
const PLAIN = { LOG_LEVEL: "debug-plain-value" };
const ROTATED = "postgres://admin:NewDbPass77@db.example.com:5432/shop";
/** The parts of the values that must not show either (a password on its own). */
const NEVER_PRINTED = [...Object.values(SECRETS), ROTATED, "SuperSecretDbPass99", "NewDbPass77", "RedisPassw0rd42", "M0ngoPassw0rd77", "0123456789abcdef0123456789abcdef"];

async function writeAll(values: Record<string, string>, plainEnv = "LOG_LEVEL"): Promise<void> {
  const text = setEnvValues("LETSGO_WORKER_SCHEDULE=rate(1 hour)\n", { ...values, ...PLAIN, LETSGO_WORKER_PLAIN_ENV: plainEnv });
  await writeEnv(text.trimEnd().split("\n"));
}

// moto's ECR holds no such image: nothing could read its architecture (deploy-image.test.ts shows the check).
const cli = (args: string[]) => runCli([...args, ...(args.includes("--image") ? ["--skip-architecture-check"] : []), "--cwd", project.dir], { env: moto.env });

/** Run the CLI; it must succeed and print none of the secret values, on stdout or stderr. */
async function quiet(args: string[]): Promise<CliResult> {
  const run = await cli(args);
  assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
  for (const value of NEVER_PRINTED) {
    assert.ok(!run.stdout.includes(value) && !run.stderr.includes(value), `${args.join(" ")} printed a secret value:\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

async function readParameter(key: string) {
  const ssm = client((c) => new SSMClient(c));
  return (await ssm.send(new GetParameterCommand({ Name: `/letsgo/main/worker/${key}`, WithDecryption: true }))).Parameter;
}

async function functionConfiguration() {
  const lambda = client((c) => new LambdaClient(c));
  return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAME }));
}

type JsonPlan = { steps: Array<{ id: string; action: string; changes: Array<{ field: string; from?: unknown; to?: unknown; secret?: string }>; notes: string[] }> };

describe("Secrets against moto (deploy, status, the CLI)", () => {
  it("stores every secret in SSM and none in the function's configuration, keeps the plain one plain, and prints no value anywhere", async () => {
    await writeAll(SECRETS);

    // Prepare + Act: dry runs, the deploy, status, human and --json.
    const dry = await quiet(["deploy", "--dry-run", "--image", IMAGE]);
    assert.match(dry.stdout, /\+ SSM secrets\s+\/letsgo\/main\/worker\/\s+create/);
    assert.match(dry.stdout, /note: DATABASE_URL, ENCRYPTION_KEY_1, MONGODB_URI, OPENAI_APIKEY, PASSPHRASE, REDIS_URL, SENTRY_DSN, SLACK_WEBHOOK_URL, SMTP_PASS, STRIPE_WEBHOOK_SECRET, TWILIO_AUTH go to SSM SecureString parameters/);
    await quiet(["deploy", "--dry-run", "--json", "--image", IMAGE]);
    const applied = await quiet(["deploy", "--yes", "--image", IMAGE]);
    assert.match(applied.stdout, /Deployed "main"/);
    await quiet(["status"]);
    const status = JSON.parse((await quiet(["status", "--json"])).stdout) as { resources: Array<{ resource: string; details: Record<string, unknown> }> };

    // Assess: each secret in SSM, as a SecureString with its value.
    for (const [key, value] of Object.entries(SECRETS)) {
      const parameter = await readParameter(key);
      assert.deepEqual([parameter?.Type, parameter?.Value], ["SecureString", value], key);
    }
    await assert.rejects(readParameter("LOG_LEVEL"), /ParameterNotFound/, "the plain one is not a parameter");
    // None in the function's configuration, under any key; the plain one there.
    const configuration = await functionConfiguration();
    const variables = configuration.Environment?.Variables ?? {};
    for (const key of Object.keys(SECRETS)) assert.equal(key in variables, false, key);
    const whole = JSON.stringify(configuration);
    for (const value of NEVER_PRINTED) assert.ok(!whole.includes(value), `the configuration holds a secret value`);
    assert.equal(variables.LOG_LEVEL, PLAIN.LOG_LEVEL);
    assert.equal(variables.LETSGO_SECRETS_PATH, "/letsgo/main/worker/");
    assert.match(variables.LETSGO_SECRETS_VERSION ?? "", /^[0-9a-f]{16}$/);
    assert.equal(status.resources.find((r) => r.resource === "SSM secrets")?.details.keys, Object.keys(SECRETS).sort().join(", "), "status names the keys");
  });

  it("shows a changed secret as (secret, changed), in the plan and in --json, and rotates it", async () => {
    await writeAll(SECRETS);
    await deploy();
    await writeAll({ ...SECRETS, DATABASE_URL: ROTATED });

    const dry = await quiet(["deploy", "--dry-run", "--image", IMAGE]);
    assert.match(dry.stdout, /~ SSM secrets\s+\/letsgo\/main\/worker\/\s+update\n\s+DATABASE_URL: \(secret, changed\)\n/);
    assert.match(dry.stdout, /~ Lambda function\s+letsgo-main-worker\s+update\n\s+Environment\.LETSGO_SECRETS_VERSION: [0-9a-f]{16} → [0-9a-f]{16}\n/);
    const json = JSON.parse((await quiet(["deploy", "--dry-run", "--json", "--image", IMAGE])).stdout) as JsonPlan;
    assert.deepEqual(json.steps.find((s) => s.id === "ssm")?.changes, [{ field: "DATABASE_URL", secret: "changed" }]);
    const applied = JSON.parse((await quiet(["deploy", "--yes", "--json", "--image", IMAGE])).stdout) as JsonPlan & { applied: Array<{ step: string }> };
    assert.deepEqual(applied.applied.map((a) => a.step), ["ssm", "lambda"]);
    assert.equal((await readParameter("DATABASE_URL"))?.Value, ROTATED);
    assert.equal((await readParameter("DATABASE_URL"))?.Version, 2);

    const again = await quiet(["deploy", "--yes", "--image", IMAGE]);
    assert.match(again.stdout, /up to date/);
  });

  it("takes a secret an older deploy left in plain configuration out of it, showing it only as removed", async () => {
    await writeAll(SECRETS);
    await deploy();
    // What a deploy under the old rule left: DATABASE_URL in plaintext in the function's environment.
    const lambda = client((c) => new LambdaClient(c));
    const variables = (await functionConfiguration()).Environment?.Variables ?? {};
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { ...variables, DATABASE_URL: SECRETS.DATABASE_URL! } } }));

    const dry = await quiet(["deploy", "--dry-run", "--image", IMAGE]);
    assert.match(dry.stdout, /~ Lambda function\s+letsgo-main-worker\s+update\n\s+Environment\.DATABASE_URL: \(secret, removed\)\n/);
    const json = JSON.parse((await quiet(["deploy", "--dry-run", "--json", "--image", IMAGE])).stdout) as JsonPlan;
    assert.deepEqual(json.steps.find((s) => s.id === "lambda")?.changes, [{ field: "Environment.DATABASE_URL", secret: "removed" }]);
    await quiet(["deploy", "--yes", "--image", IMAGE]);
    assert.equal("DATABASE_URL" in ((await functionConfiguration()).Environment?.Variables ?? {}), false);
  });

  it("refuses LETSGO_WORKER_PLAIN_ENV naming a worker secret before any AWS call, and warns of a listed name .env lacks", async () => {
    await writeAll(SECRETS, "LOG_LEVEL,STRIPE_WEBHOOK_SECRET");
    const refused = await cli(["deploy", "--dry-run", "--image", IMAGE]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /LETSGO_WORKER_PLAIN_ENV lists STRIPE_WEBHOOK_SECRET, a secret setting of the worker: it is always stored as an SSM SecureString parameter, never in plain configuration\. Remove it from the list\./);
    assert.ok(!refused.stderr.includes(SECRETS.STRIPE_WEBHOOK_SECRET!));

    await writeAll(SECRETS, "LOG_LEVEL,FEATURE_X");
    const warned = await quiet(["deploy", "--dry-run", "--image", IMAGE]);
    assert.match(warned.stdout, /note: warning: LETSGO_WORKER_PLAIN_ENV lists FEATURE_X, which apps\/worker\/\.env does not set/);
    const json = JSON.parse((await quiet(["deploy", "--dry-run", "--json", "--image", IMAGE])).stdout) as JsonPlan;
    assert.ok(json.steps.find((s) => s.id === "lambda")?.notes.some((n) => n.includes("FEATURE_X")));
  });

  it("an AWS error quoting the refused value reaches the user with (secret) in its place", async () => {
    await writeAll(SECRETS);
    const progress: string[] = [];
    const prepared = await prepareDeploy({
      skipArchitectureCheck: true,
      cwd: project.dir,
      image: IMAGE,
      onProgress: (event) => progress.push(event.message ?? ""),
      recorder: (call) => {
        const input = call.input as { Name?: string; Value?: string };
        if (call.command === "PutParameter" && input.Name?.endsWith("/PASSPHRASE")) {
          // What AWS's validation errors look like: they quote the value they refuse.
          throw Object.assign(new Error(`1 validation error detected: Value '${input.Value}' at 'value' failed to satisfy constraint: Member must satisfy regular expression pattern`), {
            name: "ValidationException",
            $fault: "client",
            $metadata: { httpStatusCode: 400 },
          });
        }
      },
    });
    try {
      await assert.rejects(prepared.apply(), (error: unknown) => {
        assert.ok(error instanceof ServiceError);
        assert.match(error.message, /Deploy stopped at step "SSM secrets".*ValidationException.*Value '\(secret\)' at 'value'/s);
        for (const text of [error.message, error.stack ?? "", String((error.cause as Error | undefined)?.stack), ...progress]) {
          for (const value of NEVER_PRINTED) assert.ok(!text.includes(value), `a secret value in: ${text}`);
        }
        return true;
      });
    } finally {
      prepared.close();
    }
  });
});
