/**
 * A redeploy with nothing changed, against moto: the exact AWS calls it makes
 * (reads only, each the one call that returns what it reads), and every kind of
 * drift those reads must still find: a setting, a tag, a policy, the image, a
 * secret changed by hand, and resources removed by hand. Each drift test then
 * shows the next deploy repairs it and the one after makes no write.
 *
 * What the calls leave out, and why that is safe (src/aws):
 * - GetCallerIdentity: the repository's ARN, read first, names the account and
 *   partition (deploy.ts); STS is asked only when there is no repository yet.
 * - GetQueueUrl: a queue's URL follows from its name (sqsQueue.ts); the
 *   attributes' read says whether the queue exists.
 * - ListRoleTags: GetRole returns the role's tags.
 * - ListQueueTags of the dead-letter queue: tagged when created, never read
 *   again (nothing finds it by tag); the work queue's tags are kept.
 * - GetScheduleGroup: the schedule lives in its group; finding the schedule
 *   finds the group (scheduleGroup.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ECRClient, PutImageScanningConfigurationCommand, PutLifecyclePolicyCommand, UntagResourceCommand as UntagRepositoryCommand } from "@aws-sdk/client-ecr";
import { IAMClient, PutRolePolicyCommand, UntagRoleCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  GetFunctionCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UntagResourceCommand as UntagFunctionCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { DeleteScheduleCommand, GetScheduleCommand, SchedulerClient, UpdateScheduleCommand, type UpdateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient, SetQueueAttributesCommand, UntagQueueCommand } from "@aws-sdk/client-sqs";
import { ServiceError } from "../src/errors.ts";
import { callLog, type RecordedCall } from "../src/aws/calls.ts";
import { prepareDeploy } from "../src/aws/deploy.ts";
import type { PlannedStep } from "../src/aws/step.ts";
import { ACCOUNT, BASE_ENV, IMAGE, NAME, client, deploy, moto, project, useDeployFixture, writeEnv } from "./support/deployFixture.ts";

useDeployFixture();

/** The reads of a redeploy with nothing changed, in order: one line per call. */
const NO_OP_CALLS = [
  "ecr:DescribeRepositories", // read first: its ARN names the account (no GetCallerIdentity)
  "ecr:GetLifecyclePolicy",
  "ecr:ListTagsForResource",
  "ssm:GetParametersByPath",
  "iam:GetRole", // function role: trust policy and tags
  "iam:GetRolePolicy",
  "iam:GetRole", // scheduler role
  "iam:GetRolePolicy",
  "sqs:GetQueueAttributes", // dead-letter queue, at the URL its name gives; its tags are not read
  "sqs:GetQueueAttributes", // work queue
  "sqs:ListQueueTags",
  "lambda:GetFunction", // configuration, image and tags
  "lambda:GetFunctionEventInvokeConfig",
  "lambda:ListEventSourceMappings",
  "scheduler:GetSchedule", // finds the group too
];

const lines = (calls: RecordedCall[]) => calls.map((call) => `${call.service}:${call.command}`);
const listed = (calls: RecordedCall[]) => `the calls made:\n  ${lines(calls).join("\n  ")}`;
/** Each pending step with its changed fields: `{ ecr: ["scanOnPush"] }`. */
const pendingFields = (steps: PlannedStep[]) =>
  Object.fromEntries(steps.filter((step) => step.apply).map((step) => [step.id, step.changes.map((change) => change.field)]));

/** Deploy again: the plan found `expected` (step → changed fields), made these writes, and the deploy after it is a no-op. */
async function repairs(expected: Record<string, string[]>, writes: string[]) {
  const repair = await deploy();
  assert.deepEqual(pendingFields(repair.plan.steps), expected);
  assert.deepEqual(repair.mutating, writes);
  const after = await deploy();
  assert.deepEqual(after.mutating, [], listed(after.calls));
  assert.deepEqual(after.pending, []);
  return repair;
}

const sqs = () => client((c) => new SQSClient(c));
const queueUrl = async (name: string) => (await sqs().send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;

describe("Redeploy with nothing changed: the AWS calls", () => {
  it(`reads with ${NO_OP_CALLS.length} calls and writes nothing`, async () => {
    // Prepare
    const first = await deploy();
    // Act
    const second = await deploy();
    // Assess
    assert.deepEqual(lines(second.calls), NO_OP_CALLS, listed(second.calls));
    assert.deepEqual(second.mutating, [], listed(second.calls));
    assert.deepEqual(second.pending, []);
    assert.ok(second.plan.steps.every((step) => step.action === "unchanged"));
    assert.equal(second.plan.account, ACCOUNT, "the account, read off the repository's ARN");
    // With no repository yet, STS names the account, once.
    assert.deepEqual(lines(first.calls).slice(0, 2), ["ecr:DescribeRepositories", "sts:GetCallerIdentity"], listed(first.calls));
    assert.equal(lines(first.calls).filter((line) => line === "sts:GetCallerIdentity").length, 1);
  });

  it("without a schedule, reads the group alone: no group holds no schedule", async () => {
    await writeEnv([...BASE_ENV, "LETSGO_WORKER_SCHEDULE="]);
    await deploy();
    const second = await deploy();
    assert.deepEqual(lines(second.calls), [...NO_OP_CALLS.slice(0, -1), "scheduler:GetScheduleGroup"], listed(second.calls));
    assert.deepEqual(second.mutating, []);
  });

  it("makes no write on a dry run of a redeploy either", async () => {
    await deploy();
    const dry = await deploy({ dryRun: true });
    assert.deepEqual(lines(dry.calls), NO_OP_CALLS, listed(dry.calls));
    assert.deepEqual(dry.mutating, []);
  });

  it("asks STS when the first read of the repository fails, and the plan's own read names the failing step", async (t) => {
    await deploy();
    t.after(() => moto.failWhen(undefined));
    moto.failWhen((request) => request.operation?.endsWith(".DescribeRepositories") === true);
    const log = callLog();
    await assert.rejects(
      prepareDeploy({ cwd: project.dir, image: IMAGE, skipArchitectureCheck: true, recorder: log.record }),
      (error: Error) => error instanceof ServiceError && /^ECR repository: reading the repository failed/.test(error.message),
    );
    assert.deepEqual(lines(log.calls), ["ecr:DescribeRepositories", "sts:GetCallerIdentity", "ecr:DescribeRepositories"], listed(log.calls));
  });
});

describe("Redeploy: drift made by hand is still found", () => {
  it("a changed setting: queue retention, scan on push, memory, batch size, schedule expression", async () => {
    await deploy();
    await sqs().send(new SetQueueAttributesCommand({ QueueUrl: await queueUrl(`${NAME}-dlq`), Attributes: { MessageRetentionPeriod: "60" } }));
    const ecr = client((c) => new ECRClient(c));
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: NAME, imageScanningConfiguration: { scanOnPush: false } }));
    const lambda = client((c) => new LambdaClient(c));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, MemorySize: 512 }));
    const mapping = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: NAME }))).EventSourceMappings![0]!;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, BatchSize: 5 }));
    const scheduler = client((c) => new SchedulerClient(c));
    const current = await scheduler.send(new GetScheduleCommand({ Name: NAME, GroupName: "letsgo-main" }));
    const input: UpdateScheduleCommandInput = {
      Name: NAME,
      GroupName: "letsgo-main",
      ScheduleExpression: "rate(1 hour)",
      ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
      FlexibleTimeWindow: current.FlexibleTimeWindow,
      State: current.State,
      Target: current.Target,
    };
    await scheduler.send(new UpdateScheduleCommand(input));

    await repairs(
      { ecr: ["scanOnPush"], "sqs-dlq": ["MessageRetentionPeriod"], lambda: ["MemorySize"], mapping: ["BatchSize"], schedule: ["ScheduleExpression"] },
      ["PutImageScanningConfiguration", "SetQueueAttributes", "UpdateFunctionConfiguration", "UpdateEventSourceMapping", "UpdateSchedule"],
    );
  });

  it("a tag removed: from the repository, a role, the work queue, the function", async () => {
    await deploy();
    const tag = "letsgo:deployment";
    await client((c) => new ECRClient(c)).send(new UntagRepositoryCommand({ resourceArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${NAME}`, tagKeys: [tag] }));
    await client((c) => new IAMClient(c)).send(new UntagRoleCommand({ RoleName: `${NAME}-role`, TagKeys: [tag] }));
    await sqs().send(new UntagQueueCommand({ QueueUrl: await queueUrl(NAME), TagKeys: [tag] }));
    const lambda = client((c) => new LambdaClient(c));
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    await lambda.send(new UntagFunctionCommand({ Resource: fn.Configuration!.FunctionArn!, TagKeys: [tag] }));

    await repairs({ ecr: ["Tags"], "iam-function": ["Tags"], sqs: ["Tags"], lambda: ["Tags"] }, ["TagResource", "TagRole", "TagQueue", "TagResource"]);
  });

  it("a changed policy: the repository's lifecycle, a role's trust policy, a role's inline policy", async () => {
    await deploy();
    const lifecycle = { rules: [{ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 99 }, action: { type: "expire" } }] };
    await client((c) => new ECRClient(c)).send(new PutLifecyclePolicyCommand({ repositoryName: NAME, lifecyclePolicyText: JSON.stringify(lifecycle) }));
    const iam = client((c) => new IAMClient(c));
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "edgelambda.amazonaws.com" }, Action: "sts:AssumeRole" }] };
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: `${NAME}-role`, PolicyDocument: JSON.stringify(trust) }));
    const wide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: "*" }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: `${NAME}-scheduler-role`, PolicyName: "letsgo-worker", PolicyDocument: JSON.stringify(wide) }));

    await repairs(
      { ecr: ["lifecyclePolicy"], "iam-function": ["AssumeRolePolicyDocument"], "iam-scheduler": ["InlinePolicy"] },
      ["PutLifecyclePolicy", "UpdateAssumeRolePolicy", "PutRolePolicy"],
    );
  });

  it("an image tag changed: the function set to run another image", async () => {
    await deploy();
    const other = IMAGE.replace(":v1", ":hand-made");
    await client((c) => new LambdaClient(c)).send(new UpdateFunctionCodeCommand({ FunctionName: NAME, ImageUri: other }));
    const repair = await repairs({ lambda: ["ImageUri"] }, ["UpdateFunctionCode"]);
    assert.deepEqual(repair.plan.steps.find((step) => step.id === "lambda")!.changes, [{ field: "ImageUri", from: other, to: IMAGE }]);
  });

  it("secrets changed: a value overwritten and a parameter deleted, shown without their values", async () => {
    await deploy();
    const ssm = client((c) => new SSMClient(c));
    await ssm.send(new PutParameterCommand({ Name: "/letsgo/main/worker/STRIPE_WEBHOOK_SECRET", Value: "whsec_by_hand", Type: "SecureString", Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: "/letsgo/main/worker/SHOP_NAME" }));
    const repair = await repairs({ ssm: ["SHOP_NAME", "STRIPE_WEBHOOK_SECRET"], lambda: ["Environment.LETSGO_SECRETS_VERSION"] }, [
      "PutParameter",
      "PutParameter",
      "UpdateFunctionConfiguration",
    ]);
    assert.deepEqual(repair.plan.steps.find((step) => step.id === "ssm")!.changes, [
      { field: "SHOP_NAME", secret: "added" },
      { field: "STRIPE_WEBHOOK_SECRET", secret: "changed" },
    ]);
  });

  it("resources removed: the schedule (its group kept), the dead-letter queue", async () => {
    await deploy();
    await client((c) => new SchedulerClient(c)).send(new DeleteScheduleCommand({ Name: NAME, GroupName: "letsgo-main" }));
    await sqs().send(new DeleteQueueCommand({ QueueUrl: await queueUrl(`${NAME}-dlq`) }));
    const repair = await repairs({ "sqs-dlq": [], schedule: [] }, ["CreateQueue", "CreateSchedule"]);
    const actions = Object.fromEntries(repair.plan.steps.map((step) => [step.id, step.action]));
    assert.deepEqual([actions["sqs-dlq"], actions["schedule-group"], actions.schedule], ["create", "unchanged", "create"]);
    assert.deepEqual(lines(repair.calls).filter((line) => line.startsWith("scheduler:")), [
      "scheduler:GetSchedule",
      "scheduler:GetScheduleGroup", // no schedule found: the group is asked for itself
      "scheduler:CreateSchedule",
    ]);
  });
});
