/**
 * deploy against a real AWS API emulator (moto). Resources are read back with
 * the SDK; mutating calls are counted with the SDK middleware recorder
 * (src/aws/calls.ts). status, queue, logs and destroy: aws-commands.test.ts.
 *
 * What moto cannot show, and so is not claimed here:
 * - IAM propagation delays (moto's roles are usable at once): the retry-on-new-role
 *   path is unit-tested in aws-pure.test.ts.
 * - Lambda running the image, and ReportBatchItemFailures being honoured: the
 *   tests read the mapping's FunctionResponseTypes back.
 * - UpdateFunctionConfiguration of EphemeralStorage and UpdateFunctionCode of
 *   Architectures: moto ignores both, so those updates are not re-read here.
 * - A failed scheduled run going to the DLQ: moto neither runs the function nor
 *   does Lambda's async retries and on-failure destinations. The tests read the
 *   async invoke config back (retries, age, destination = the DLQ) and the role's
 *   permission to send there. moto's PutFunctionEventInvokeConfig appends a config
 *   instead of replacing it (Get keeps returning the first), so for an update only
 *   the request sent is checked, not a read-back.
 * - DeleteParameters' limit of 10 names: moto accepts any number, so the test
 *   counts the names in each call we send.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { IAMClient, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  LambdaClient,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  ListEventSourceMappingsCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { SchedulerClient, GetScheduleCommand } from "@aws-sdk/client-scheduler";
import { SQSClient, GetQueueUrlCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { SSMClient, GetParameterCommand, GetParametersByPathCommand } from "@aws-sdk/client-ssm";
import { createHash } from "node:crypto";
import { ECRClient, DescribeRepositoriesCommand, GetLifecyclePolicyCommand } from "@aws-sdk/client-ecr";
import { prepareDeploy } from "../src/aws/deploy.ts";
import { callLog } from "../src/aws/calls.ts";
import { getSenderPolicy, getStatus } from "../src/aws/status.ts";
import { destroyDeployment } from "../src/aws/destroy.ts";
import { readLogs } from "../src/aws/logs.ts";
import { ServiceError, SettingsError } from "../src/errors.ts";
import { TEST_REGION } from "./support/moto.ts";
import { ACCOUNT, BASE_ENV, IMAGE, NAME, client, deploy, moto, project, useDeployFixture, writeEnv } from "./support/deployFixture.ts";

useDeployFixture();

describe("deploy against moto: the function's world is the one dev gives its handler", () => {
  it("has the name, memory, region, log group and variables dev's handler sees (secrets: in SSM, with the values dev hands over)", async () => {
    // Prepare: a user's variable listed as plain, one kept secret, and a key Lambda reserves.
    await writeEnv([...BASE_ENV, "LETSGO_WORKER_PLAIN_ENV=SHOP_URL", "SHOP_URL=https://shop.example", "AWS_PROFILE=mine", "LETSGO_WORKER_MEMORY=256"]);
    await deploy();
    const fn = (await client((c) => new LambdaClient(c)).send(new GetFunctionCommand({ FunctionName: NAME }))).Configuration!;
    const { loadSettings } = await import("../src/project/settings.ts");
    const { handlerWorldEnv } = await import("../src/dev/pool/handlerWorld.js");
    const { MANAGED_VARIABLES } = await import("../src/aws/environment.ts");
    const { settings, extra } = await loadSettings(project.dir);
    // Act: what dev would give its handler for the same project.
    const dev = handlerWorldEnv(settings, extra, { url: "http://127.0.0.1:3002", taskRoot: "/var/task" });
    // Assess: Lambda's own variables against the function deploy made.
    assert.equal(dev.AWS_LAMBDA_FUNCTION_NAME, fn.FunctionName);
    assert.equal(dev.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, String(fn.MemorySize));
    assert.equal(dev.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
    assert.equal(dev.AWS_REGION, fn.FunctionArn!.split(":")[3], "the region the function runs in");
    assert.equal(dev.AWS_LAMBDA_LOG_GROUP_NAME, fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn.FunctionName}`);
    assert.equal(dev.AWS_LAMBDA_FUNCTION_VERSION, fn.Version ?? "$LATEST");
    // The function's own variables, one by one, are what dev's handler sees (those deploy manages aside).
    const vars = fn.Environment?.Variables ?? {};
    for (const [key, value] of Object.entries(vars)) {
      if (MANAGED_VARIABLES.has(key)) continue;
      assert.equal(dev[key], value, key);
    }
    assert.equal(vars.SHOP_URL, "https://shop.example");
    // Secrets: in SSM for the function, in the environment for dev's handler, the same value.
    const ssm = client((c) => new SSMClient(c));
    const secret = await ssm.send(new GetParameterCommand({ Name: "/letsgo/main/worker/STRIPE_WEBHOOK_SECRET", WithDecryption: true }));
    assert.equal(dev.STRIPE_WEBHOOK_SECRET, secret.Parameter?.Value);
    // A key Lambda reserves: in neither.
    assert.equal("AWS_PROFILE" in vars, false);
    assert.equal(dev.AWS_PROFILE, undefined);
  });
});

describe("deploy against moto", () => {
  it("creates every resource with the settings on a first deploy", async () => {
    const { pending } = await deploy();
    assert.deepEqual(pending, ["ecr", "ssm", "iam-function", "iam-scheduler", "sqs-dlq", "sqs", "lambda", "lambda-async", "mapping", "schedule-group", "schedule"]);

    const sqs = client((c) => new SQSClient(c));
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: NAME }))).QueueUrl!;
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }))).Attributes!;
    assert.deepEqual(JSON.parse(attrs.RedrivePolicy!), { deadLetterTargetArn: `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}-dlq`, maxReceiveCount: 5 });
    assert.equal(attrs.VisibilityTimeout, "360");
    assert.equal(attrs.MessageRetentionPeriod, "345600");
    assert.equal(attrs.MaximumMessageSize, "1048576");
    assert.equal(attrs.ReceiveMessageWaitTimeSeconds, "2");

    const lambda = client((c) => new LambdaClient(c));
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    assert.equal(fn.Code?.ImageUri, IMAGE);
    assert.equal(fn.Configuration?.MemorySize, 128);
    assert.equal(fn.Configuration?.Timeout, 60);
    assert.deepEqual(fn.Configuration?.Architectures, ["arm64"]);
    assert.equal(fn.Configuration?.Role, `arn:aws:iam::${ACCOUNT}:role/${NAME}-role`);
    const vars = fn.Configuration?.Environment?.Variables ?? {};
    assert.equal(vars.LETSGO_DEPLOYMENT, "main");
    assert.equal(vars.LETSGO_SECRETS_PATH, "/letsgo/main/worker/");
    assert.equal("STRIPE_WEBHOOK_SECRET" in vars, false, "secrets stay out of the environment");
    assert.equal("SHOP_NAME" in vars, false, "so does every variable of the user's own not listed in LETSGO_WORKER_PLAIN_ENV");
    assert.equal("LETSGO_WORKER_MEMORY" in vars, false, "deploy settings stay out of the environment");
    assert.equal(fn.Tags?.["letsgo:deployment"], "main");

    const ssm = client((c) => new SSMClient(c));
    const secret = await ssm.send(new GetParameterCommand({ Name: "/letsgo/main/worker/STRIPE_WEBHOOK_SECRET", WithDecryption: true }));
    assert.equal(secret.Parameter?.Type, "SecureString");
    assert.equal(secret.Parameter?.Value, "whsec_test123");
    const own = await ssm.send(new GetParameterCommand({ Name: "/letsgo/main/worker/SHOP_NAME", WithDecryption: true }));
    assert.deepEqual([own.Parameter?.Type, own.Parameter?.Value], ["SecureString", "acme"]);

    // A scheduled run that throws: Lambda retries it twice, then sends its record to the DLQ.
    const asyncConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: NAME }));
    assert.equal(asyncConfig.MaximumRetryAttempts, 2);
    assert.equal(asyncConfig.MaximumEventAgeInSeconds, 3600);
    assert.equal(asyncConfig.DestinationConfig?.OnFailure?.Destination, `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}-dlq`);

    const mappings = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: NAME }));
    assert.equal(mappings.EventSourceMappings?.length, 1);
    const mapping = mappings.EventSourceMappings![0]!;
    assert.deepEqual(mapping.FunctionResponseTypes, ["ReportBatchItemFailures"]);
    assert.equal(mapping.BatchSize, 10);
    assert.equal(mapping.MaximumBatchingWindowInSeconds, 2);
    assert.equal(mapping.ScalingConfig?.MaximumConcurrency, 5);

    const scheduler = client((c) => new SchedulerClient(c));
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: NAME, GroupName: "letsgo-main" }));
    assert.equal(schedule.ScheduleExpression, "cron(0 9 ? * MON-FRI *)");
    assert.equal(schedule.ScheduleExpressionTimezone, "Europe/Berlin");
    assert.equal(schedule.Target?.Arn, `arn:aws:lambda:${TEST_REGION}:${ACCOUNT}:function:${NAME}`);
    assert.equal(schedule.Target?.RoleArn, `arn:aws:iam::${ACCOUNT}:role/${NAME}-scheduler-role`);
    assert.equal(schedule.Target?.DeadLetterConfig?.Arn, `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}-dlq`);
    assert.deepEqual(schedule.Target?.RetryPolicy, { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });
    assert.equal(JSON.parse(schedule.Target?.Input ?? "{}")["detail-type"], "Scheduled Event");

    const iam = client((c) => new IAMClient(c));
    const policyOf = async (role: string) =>
      JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: "letsgo-worker" }))).PolicyDocument!)) as {
        Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
      };
    const fnPolicy = await policyOf(`${NAME}-role`);
    const queueArn = `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}`;
    const sqsGrants = fnPolicy.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith("sqs:"))).map((s) => [s.Action, s.Resource]);
    assert.deepEqual(sqsGrants, [
      [["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], queueArn],
      ["sqs:SendMessage", queueArn],
      ["sqs:SendMessage", `${queueArn}-dlq`],
    ]);
    for (const statement of fnPolicy.Statement) {
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat();
      if (actions.some((a) => a.startsWith("logs:"))) assert.ok(resources.every((r) => r.includes(`log-group:/aws/lambda/${NAME}`)));
      if (actions.some((a) => a.startsWith("ssm:"))) assert.ok(resources.every((r) => r.includes("parameter/letsgo/main/worker")));
    }
    const schedPolicy = await policyOf(`${NAME}-scheduler-role`);
    assert.deepEqual(schedPolicy.Statement.map((s) => [s.Action, s.Resource]), [
      ["lambda:InvokeFunction", `arn:aws:lambda:${TEST_REGION}:${ACCOUNT}:function:${NAME}`],
      ["sqs:SendMessage", `${queueArn}-dlq`],
    ]);

    const ecr = client((c) => new ECRClient(c));
    const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [NAME] }))).repositories![0]!;
    assert.equal(repo.imageScanningConfiguration?.scanOnPush, true);
    const lifecycle = JSON.parse((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: NAME }))).lifecyclePolicyText!);
    assert.equal(lifecycle.rules[0].selection.countType, "imageCountMoreThan");
  });

  it("makes no mutating call on a second deploy and says it is up to date", async () => {
    await deploy();
    const second = await deploy();
    assert.deepEqual(second.pending, []);
    assert.deepEqual(second.mutating, []);
    assert.ok(second.calls.length > 0, "it did read the current state");
  });

  it("updates only the resource whose setting changed", async () => {
    await deploy();
    await writeEnv([...BASE_ENV, "LETSGO_WORKER_MEMORY=256"]);
    const memory = await deploy();
    assert.deepEqual(memory.pending, ["lambda"]);
    assert.deepEqual(memory.mutating, ["UpdateFunctionConfiguration"]);
    const lambdaStep = memory.plan.steps.find((s) => s.id === "lambda")!;
    assert.deepEqual(lambdaStep.changes.map((c) => c.field), ["MemorySize"]);

    await writeEnv([...BASE_ENV, "LETSGO_WORKER_MEMORY=256", "LETSGO_WORKER_MAX_RECEIVE_COUNT=7"]);
    const redrive = await deploy();
    assert.deepEqual(redrive.pending, ["sqs"]);
    assert.deepEqual(redrive.mutating, ["SetQueueAttributes"]);

    const image = await deploy({ image: IMAGE.replace(":v1", ":v2") });
    assert.deepEqual(image.pending, ["lambda"]);
    assert.deepEqual(image.mutating, ["UpdateFunctionCode"]);
    assert.deepEqual((await deploy({ image: IMAGE.replace(":v1", ":v2") })).mutating, []);
  });

  it("mutates nothing on a dry run, on a fresh account and with changes pending", async () => {
    const fresh = await deploy({ dryRun: true });
    assert.equal(fresh.pending.length, 11);
    assert.deepEqual(fresh.mutating, []);
    await deploy();
    await writeEnv([...BASE_ENV, "NEW_FEATURE_FLAG=on", "LETSGO_WORKER_CONCURRENCY=9"]);
    const changed = await deploy({ dryRun: true });
    assert.deepEqual(changed.pending, ["ssm", "lambda", "mapping"], "a new variable is a new secret, and a new secrets version");
    assert.deepEqual(changed.mutating, []);
    const status = await getStatus({ cwd: project.dir });
    const mapping = status.resources.find((r) => r.resource === "Event source mapping")!;
    assert.equal(mapping.details.maxConcurrency, 5, "the dry run left the mapping as it was");
  });

  it("removes the schedule when LETSGO_WORKER_SCHEDULE is empty", async () => {
    await deploy();
    await writeEnv([...BASE_ENV, "LETSGO_WORKER_SCHEDULE="]);
    const removal = await deploy();
    assert.deepEqual(removal.pending, ["schedule", "schedule-group"]);
    assert.deepEqual(removal.mutating, ["DeleteSchedule", "DeleteScheduleGroup"]);
    const status = await getStatus({ cwd: project.dir });
    assert.equal(status.schedule, undefined);
    assert.deepEqual((await deploy()).mutating, []);
  });

  it("puts the async invoke config back when it drifted or was deleted, and leaves it alone when it matches", async () => {
    await deploy();
    const lambda = client((c) => new LambdaClient(c));
    const dlqArn = `arn:aws:sqs:${TEST_REGION}:${ACCOUNT}:${NAME}-dlq`;
    // Someone turned Lambda's retries and the destination off by hand.
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: NAME }));
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: NAME, MaximumRetryAttempts: 0 }));
    const repair = await deploy();
    assert.deepEqual(repair.pending, ["lambda-async"]);
    const step = repair.plan.steps.find((s) => s.id === "lambda-async")!;
    assert.equal(step.action, "update");
    assert.deepEqual(step.changes.map((c) => c.field), ["MaximumRetryAttempts", "MaximumEventAgeInSeconds", "OnFailure"]);
    assert.deepEqual(repair.mutating, ["PutFunctionEventInvokeConfig"]);
    // moto appends rather than replaces on Put, so only the request can be checked here.
    assert.deepEqual(repair.calls.find((c) => c.command === "PutFunctionEventInvokeConfig")!.input, {
      FunctionName: NAME,
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
    });

    // Deleted: created again, read back, then nothing to do.
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: NAME }));
    const recreate = await deploy();
    assert.deepEqual(recreate.pending, ["lambda-async"]);
    const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: NAME }));
    assert.deepEqual([config.MaximumRetryAttempts, config.MaximumEventAgeInSeconds, config.DestinationConfig?.OnFailure?.Destination], [2, 3600, dlqArn]);
    assert.deepEqual((await deploy()).mutating, []);
    const status = await getStatus({ cwd: project.dir });
    assert.deepEqual(status.resources.find((r) => r.resource === "Lambda async invoke config")?.details, { retries: 2, maxEventAgeSeconds: 3600, onFailure: `${NAME}-dlq` });
  });

  it("removes 12 secrets with DeleteParameters calls of at most 10 names", async () => {
    const many = Array.from({ length: 12 }, (_, i) => `SERVICE_${i}_API_KEY=k${i}`);
    await writeEnv([...BASE_ENV, ...many]);
    await deploy();
    const ssm = client((c) => new SSMClient(c));
    const names = async () => {
      const found: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: "/letsgo/main/worker", NextToken }));
        found.push(...(page.Parameters ?? []).map((p) => p.Name!));
        NextToken = page.NextToken;
      } while (NextToken);
      return found.sort();
    };
    assert.equal((await names()).length, 14, "the 12, SHOP_NAME and STRIPE_WEBHOOK_SECRET");

    await writeEnv(BASE_ENV);
    const removal = await deploy();
    assert.deepEqual(removal.pending, ["ssm", "lambda"], "the secrets version changes with the parameter set");
    // moto accepts any number of names; AWS takes at most 10 per call.
    const perCall = removal.calls.filter((c) => c.command === "DeleteParameters").map((c) => (c.input as { Names: string[] }).Names.length);
    assert.deepEqual(perCall, [10, 2]);
    assert.deepEqual(await names(), ["/letsgo/main/worker/SHOP_NAME", "/letsgo/main/worker/STRIPE_WEBHOOK_SECRET"]);
    assert.deepEqual((await deploy()).mutating, []);
  });

  it("sets LETSGO_SECRETS_VERSION from the parameters' versions: no hash of the secret, new on every rotation", async () => {
    const lambda = client((c) => new LambdaClient(c));
    const ssm = client((c) => new SSMClient(c));
    const versionInFunction = async () => (await lambda.send(new GetFunctionCommand({ FunctionName: NAME }))).Configuration?.Environment?.Variables?.LETSGO_SECRETS_VERSION;
    const parameterVersion = async () => (await ssm.send(new GetParameterCommand({ Name: "/letsgo/main/worker/STRIPE_WEBHOOK_SECRET" }))).Parameter?.Version;

    await deploy();
    const first = await versionInFunction();
    assert.match(first ?? "", /^[0-9a-f]{16}$/);
    const hashOfSecret = (value: string) => createHash("sha256").update(`STRIPE_WEBHOOK_SECRET\u0000${value}\u0000`).digest("hex");
    assert.ok(!hashOfSecret("whsec_test123").startsWith(first!), "not the old unsalted hash of the value");
    assert.ok(!createHash("sha256").update("whsec_test123").digest("hex").includes(first!));

    const rotatedEnv = BASE_ENV.map((line) => line.replace("whsec_test123", "whsec_rotated"));
    await writeEnv(rotatedEnv);
    const rotated = await deploy();
    assert.deepEqual(rotated.mutating, ["PutParameter", "UpdateFunctionConfiguration"]);
    assert.equal(await parameterVersion(), 2);
    const second = await versionInFunction();
    assert.notEqual(second, first, "a changed secret changes the version, so Lambda starts fresh instances");
    assert.deepEqual((await deploy()).mutating, [], "the version is worked out without writing");

    // Back to the first value: a new parameter version, so not the first version string again.
    await writeEnv(BASE_ENV);
    await deploy();
    assert.equal(await parameterVersion(), 3);
    const third = await versionInFunction();
    assert.ok(third !== first && third !== second);
  });

  it("checks the deployment name before any AWS call, whether it comes from the flag or apps/worker/.env", async () => {
    const log = callLog();
    const badName = (error: Error) => error instanceof SettingsError && /^Deployment name "(Bad|under_score)" must be 1-31 lowercase letters/.test(error.message);
    const commands = (deployment?: string) => [
      () => prepareDeploy({ cwd: project.dir, deployment, image: IMAGE, skipArchitectureCheck: true, recorder: log.record }),
      () => getStatus({ cwd: project.dir, deployment, recorder: log.record }),
      () => getSenderPolicy({ cwd: project.dir, deployment, recorder: log.record }),
      () => destroyDeployment({ cwd: project.dir, deployment, recorder: log.record }),
      () => readLogs({ cwd: project.dir, deployment, recorder: log.record, onEvent: () => {} }),
    ];
    for (const run of commands("Bad")) await assert.rejects(run(), badName);
    await writeEnv([...BASE_ENV, "LETSGO_DEPLOYMENT=under_score"]);
    for (const run of commands()) await assert.rejects(run(), badName);
    assert.deepEqual(log.calls.map((call) => call.command), [], "not even GetCallerIdentity");
  });

  it("stops at the failing step when the emulator goes away, and the next run converges", async () => {
    const log = callLog();
    const prepared = await prepareDeploy({
      cwd: project.dir,
      image: IMAGE,
      skipArchitectureCheck: true,
      recorder: (call) => {
        log.record(call);
        if (call.command === "CreateFunction") void moto.down();
      },
    });
    try {
      await assert.rejects(prepared.apply(), (error: Error) => error instanceof ServiceError && /stopped at step "Lambda function"/.test(error.message));
    } finally {
      prepared.close();
    }
    await moto.up();
    const resumed = await deploy();
    assert.deepEqual(resumed.pending, ["lambda", "lambda-async", "mapping", "schedule-group", "schedule"]);
    assert.deepEqual((await deploy()).mutating, []);
  });
});
