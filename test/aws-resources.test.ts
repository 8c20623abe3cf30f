/**
 * The resource registry (src/aws/resources) without AWS: the list and its
 * orders, ARNs in every partition, and each resource's plan as a table of
 * desired state × current state → action and changed fields. No network: only
 * the pure parts (desired, diff, planChange, describe) are called.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSettings, type Settings } from "../src/project/settings.ts";
import { SettingsError } from "../src/errors.ts";
import { arn, functionArn, queueArn, scheduleArn } from "../src/project/names.ts";
import { workerFunctionArn, workerQueueArn, workerScheduleArn } from "../src/events/origin.ts";
import type { Aws } from "../src/aws/clients.ts";
import { validateDeploySettings } from "../src/aws/deploy.ts";
import { DESTROY_ORDER } from "../src/aws/destroy.ts";
import { functionEnvironment, secretsVersion, type FunctionEnvironment } from "../src/aws/environment.ts";
import { inApplyOrder } from "../src/aws/plan.ts";
import type { PlannedStep, StepAction } from "../src/aws/step.ts";
import { buildTarget, identityFromArn, imageUri, type DeployTarget } from "../src/aws/target.ts";
import {
  Planner,
  RESOURCES,
  actionFor,
  asyncInvokeConfig,
  deadLetterQueue,
  eventSourceMapping,
  functionRole,
  isDeployed,
  logGroup,
  planChange,
  repository,
  schedule,
  scheduleGroup,
  schedulerRole,
  secrets,
  workQueue,
  workerFunction,
  type DeployInputs,
  type DeployedResource,
  type Resource,
} from "../src/aws/resources/index.ts";
import { ASYNC_INVOKE_POLICY, type AsyncInvokeState } from "../src/aws/resources/asyncInvokeConfig.ts";
import type { MappingState } from "../src/aws/resources/eventSourceMapping.ts";
import type { FunctionState } from "../src/aws/resources/function.ts";
import type { RoleState } from "../src/aws/resources/iamRole.ts";
import { stepFor } from "../src/aws/resources/resource.ts";
import type { ScheduleState } from "../src/aws/resources/schedule.ts";
import type { SecretsState } from "../src/aws/resources/secrets.ts";
import type { QueueState } from "../src/aws/resources/sqsQueue.ts";
import type { RepositoryState } from "../src/aws/resources/repository.ts";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";

/** A target as deploy builds it, for an identity in `partition`. */
function makeTarget(overrides: Partial<Settings> = {}, partition = "aws", region = REGION): DeployTarget {
  const settings = { ...defaultSettings(), ...overrides } as Settings;
  return buildTarget(settings, { account: ACCOUNT, partition, arn: `arn:${partition}:iam::${ACCOUNT}:user/me` }, region);
}

/** Deploy inputs: `.env` keys beyond the settings (`extra`), the image, and what earlier steps found. */
function makeInputs(target: DeployTarget, options: { extra?: Record<string, string>; image?: string; found?: Map<Resource<any>, unknown> } = {}): DeployInputs {
  const environment: FunctionEnvironment = functionEnvironment(target.settings, options.extra ?? {}, {
    deployment: target.deployment,
    queueUrl: workQueue.url(target),
    secretsPrefix: target.names.ssmPrefix,
  });
  const found = options.found ?? new Map();
  return { image: options.image ?? "img:1", environment, found: <C>(resource: Resource<C>) => found.get(resource) as C | undefined };
}

/** A copy, as AWS would hand back what was sent (no shared references). */
const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

interface Row<C, D> {
  title: string;
  settings?: Partial<Settings>;
  extra?: Record<string, string>;
  /** What exists, given what deploy wants. */
  current: (desired: D | undefined, target: DeployTarget) => C | undefined;
  action: StepAction;
  fields: string[];
}

/** One resource's plan as a table: each row is a desired state × a current state. */
function planTable<C, D>(resource: DeployedResource<C, D>, rows: Array<Row<C, D>>): void {
  describe(`Resource plan: ${resource.label}`, () => {
    for (const row of rows) {
      it(`${row.title} → ${row.action}${row.fields.length ? ` (${row.fields.join(", ")})` : ""}`, () => {
        // Prepare
        const target = makeTarget(row.settings);
        const inputs = makeInputs(target, { extra: row.extra });
        const current = row.current(resource.desired(target, inputs), target);
        // Act
        const change = planChange(resource, target, inputs, current);
        // Assess
        assert.equal(change.action, row.action);
        assert.deepEqual(change.changes.map((c) => c.field), row.fields);
      });
    }
  });
}

describe("Registry: RESOURCES", () => {
  it("deploy walks it forward, with every resource but the log group (Lambda creates that)", () => {
    assert.deepEqual(RESOURCES.filter(isDeployed).map((r) => r.id), [
      "ecr", "ssm", "iam-function", "iam-scheduler", "sqs-dlq", "sqs", "lambda", "lambda-async", "mapping", "schedule-group", "schedule",
    ]);
    assert.equal(isDeployed(logGroup), false);
  });

  it("destroy walks it backward, dependents first, the data last", () => {
    assert.deepEqual(DESTROY_ORDER.map((r) => r.label), [
      "Schedule", "Schedule group", "Event source mapping", "Lambda async invoke config", "Lambda function",
      "SQS queue", "SQS dead-letter queue", "IAM scheduler role", "IAM function role", "SSM secrets", "ECR repository", "Log group",
    ]);
  });

  it("keeps the queues, the repository and the log group with --keep-data, nothing else", () => {
    assert.deepEqual(RESOURCES.filter((r) => r.keepsData).map((r) => r.label).sort(), ["ECR repository", "Log group", "SQS dead-letter queue", "SQS queue"]);
  });

  it("status shows every resource but the log group, each under a label of its own", () => {
    const shown = RESOURCES.filter((r) => r.describe).map((r) => r.label);
    assert.equal(shown.length, RESOURCES.length - 1);
    assert.equal(shown.includes("Log group"), false);
    assert.equal(new Set(RESOURCES.map((r) => r.label)).size, RESOURCES.length);
    assert.equal(new Set(RESOURCES.filter(isDeployed).map((r) => r.id)).size, RESOURCES.length - 1);
  });

  it("names each resource after the deployment", () => {
    const t = makeTarget({ LETSGO_DEPLOYMENT: "shop" });
    assert.deepEqual(Object.fromEntries(RESOURCES.map((r) => [r.label, r.name(t)])), {
      "Log group": "/aws/lambda/letsgo-shop-worker",
      "ECR repository": "letsgo-shop-worker",
      "SSM secrets": "/letsgo/shop/worker/",
      "IAM function role": "letsgo-shop-worker-role",
      "IAM scheduler role": "letsgo-shop-worker-scheduler-role",
      "SQS dead-letter queue": "letsgo-shop-worker-dlq",
      "SQS queue": "letsgo-shop-worker",
      "Lambda function": "letsgo-shop-worker",
      "Lambda async invoke config": "letsgo-shop-worker",
      "Event source mapping": "letsgo-shop-worker → letsgo-shop-worker",
      "Schedule group": "letsgo-shop",
      "Schedule": "letsgo-shop/letsgo-shop-worker",
    });
  });
});

describe("Function: arn", () => {
  const partitions = [
    { partition: "aws", region: "eu-west-1", domain: "amazonaws.com" },
    { partition: "aws-cn", region: "cn-north-1", domain: "amazonaws.com.cn" },
    { partition: "aws-us-gov", region: "us-gov-west-1", domain: "amazonaws.com" },
  ];
  for (const { partition, region, domain } of partitions) {
    it(`gives every resource its ARN in the ${partition} partition`, () => {
      const t = makeTarget({}, partition, region);
      const p = `arn:${partition}`;
      assert.deepEqual(
        {
          logGroup: logGroup.arn(t),
          repository: repository.arn(t),
          secrets: secrets.arn(t),
          functionRole: functionRole.arn(t),
          schedulerRole: schedulerRole.arn(t),
          deadLetterQueue: deadLetterQueue.arn(t),
          queue: workQueue.arn(t),
          function: workerFunction.arn(t),
          scheduleGroup: scheduleGroup.arn(t),
          schedule: schedule.arn(t),
        },
        {
          logGroup: `${p}:logs:${region}:${ACCOUNT}:log-group:/aws/lambda/letsgo-main-worker`,
          repository: `${p}:ecr:${region}:${ACCOUNT}:repository/letsgo-main-worker`,
          secrets: `${p}:ssm:${region}:${ACCOUNT}:parameter/letsgo/main/worker`,
          functionRole: `${p}:iam::${ACCOUNT}:role/letsgo-main-worker-role`,
          schedulerRole: `${p}:iam::${ACCOUNT}:role/letsgo-main-worker-scheduler-role`,
          deadLetterQueue: `${p}:sqs:${region}:${ACCOUNT}:letsgo-main-worker-dlq`,
          queue: `${p}:sqs:${region}:${ACCOUNT}:letsgo-main-worker`,
          function: `${p}:lambda:${region}:${ACCOUNT}:function:letsgo-main-worker`,
          scheduleGroup: `${p}:scheduler:${region}:${ACCOUNT}:schedule-group/letsgo-main`,
          schedule: `${p}:scheduler:${region}:${ACCOUNT}:schedule/letsgo-main/letsgo-main-worker`,
        },
      );
      assert.equal(workQueue.url(t), `https://sqs.${region}.${domain}/${ACCOUNT}/letsgo-main-worker`);
      assert.equal(imageUri(t, "abc"), `${ACCOUNT}.dkr.ecr.${region}.${domain}/letsgo-main-worker:abc`);
    });
  }

  it("is the one form every ARN helper and the local events use", () => {
    assert.equal(arn({ partition: "aws-cn", service: "iam", region: "", account: ACCOUNT, resource: "role/r" }), `arn:aws-cn:iam::${ACCOUNT}:role/r`);
    assert.equal(queueArn("us-east-1", ACCOUNT, "q"), `arn:aws:sqs:us-east-1:${ACCOUNT}:q`, "aws unless told");
    assert.equal(queueArn("cn-north-1", ACCOUNT, "q", "aws-cn"), `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:q`);
    assert.equal(scheduleArn("us-east-1", ACCOUNT, "g", "s", "aws-us-gov"), `arn:aws-us-gov:scheduler:us-east-1:${ACCOUNT}:schedule/g/s`);
    assert.equal(functionArn("us-east-1", ACCOUNT, "f"), `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`);
    const t = makeTarget({}, "aws", "us-west-2");
    const origin = { deployment: "main", region: "us-west-2", account: ACCOUNT };
    assert.equal(workerQueueArn(origin), workQueue.arn(t), "local events name the deployed queue");
    assert.equal(workerFunctionArn(origin), workerFunction.arn(t));
    assert.equal(workerScheduleArn(origin), schedule.arn(t));
    assert.equal(workerQueueArn({ ...origin, partition: "aws-cn" }), `arn:aws-cn:sqs:us-west-2:${ACCOUNT}:letsgo-main-worker`);
  });

  it("uses LETSGO_WORKER_REGISTRY as the image registry", () => {
    assert.equal(imageUri(makeTarget({ LETSGO_WORKER_REGISTRY: "127.0.0.1:5000" }), "t1"), "127.0.0.1:5000/letsgo-main-worker:t1");
  });
});

describe("Function: identityFromArn", () => {
  const table: Array<[title: string, arn: string | undefined, identity: { account: string; partition: string } | undefined]> = [
    ["a repository in aws", `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/letsgo-main-worker`, { account: ACCOUNT, partition: "aws" }],
    ["a repository in aws-cn", `arn:aws-cn:ecr:cn-north-1:${ACCOUNT}:repository/r`, { account: ACCOUNT, partition: "aws-cn" }],
    ["a role (IAM has no region)", `arn:aws-us-gov:iam::${ACCOUNT}:role/r`, { account: ACCOUNT, partition: "aws-us-gov" }],
    ["an ARN without an account", "arn:aws:s3:::bucket", undefined],
    ["an account that is not 12 digits", "arn:aws:ecr:eu-west-1:1234:repository/r", undefined],
    ["no ARN at all", "letsgo-main-worker", undefined],
    ["nothing", undefined, undefined],
  ];
  for (const [title, value, identity] of table) {
    it(`${title} → ${identity ? `${identity.partition} ${identity.account}` : "undefined"}`, () => {
      assert.deepEqual(identityFromArn(value), identity);
    });
  }
});

describe("Function: actionFor", () => {
  const table: Array<[exists: boolean, wanted: boolean, changed: boolean, action: StepAction]> = [
    [false, true, false, "create"],
    [false, true, true, "create"],
    [true, true, false, "unchanged"],
    [true, true, true, "update"],
    [true, false, false, "delete"],
    [true, false, true, "delete"],
    [false, false, false, "absent"],
  ];
  for (const [exists, wanted, changed, action] of table) {
    it(`exists=${exists} wanted=${wanted} changed=${changed} → ${action}`, () => {
      assert.equal(actionFor(exists, wanted, changed), action);
    });
  }
});

describe("Function: stepFor", () => {
  const target = makeTarget();
  const noAws = {} as Aws;
  const table: Array<[StepAction, boolean]> = [["create", true], ["update", true], ["delete", true], ["unchanged", false], ["absent", false]];
  for (const [action, pending] of table) {
    it(`gives a ${action} step ${pending ? "an" : "no"} apply`, () => {
      const step = stepFor(noAws, target, schedule, { action, current: undefined, desired: undefined, changes: [] }, []);
      assert.deepEqual({ id: step.id, resource: step.resource, name: step.name, action: step.action }, {
        id: "schedule",
        resource: "Schedule",
        name: "letsgo-main/letsgo-main-worker",
        action,
      });
      assert.equal(step.apply !== undefined, pending);
    });
  }
});

describe("Class: Planner", () => {
  /** A resource whose state is a string; `reads` records each AWS read it would make. */
  const fake = (id: string, state: string | undefined, reads: string[], extra: Partial<DeployedResource<string, string>> = {}): DeployedResource<string, string> => ({
    id,
    label: id,
    keepsData: false,
    doing: { read: `reading ${id}` },
    name: () => id,
    read: async () => (reads.push(id), state),
    desired: () => "wanted",
    diff: (current, desired) => (current !== undefined && current !== desired ? [{ field: "value", from: current, to: desired }] : []),
    apply: async () => {},
    remove: async () => false,
    ...extra,
  });
  const planner = () => {
    const target = makeTarget();
    return new Planner({} as Aws, target, { image: "img:1", environment: makeInputs(target).environment });
  };

  it("reads each resource in its turn, and gives later ones what it found", async () => {
    // Prepare
    const reads: string[] = [];
    const [a, b] = [fake("a", "wanted", reads), fake("b", "old", reads)];
    const plan = planner();
    // Act
    const steps = [await plan.plan(a), await plan.plan(b)];
    // Assess
    assert.deepEqual(reads, ["a", "b"]);
    assert.deepEqual(steps.map((step) => step.action), ["unchanged", "update"]);
    assert.equal(plan.inputs.found(b), "old");
  });

  it("plans a resource whose state it knows without reading it, absent ones included", async () => {
    const reads: string[] = [];
    const [a, b] = [fake("a", "stale", reads), fake("b", "stale", reads)];
    const plan = planner();
    plan.know(a, "wanted");
    plan.know(b, undefined);
    const steps = [await plan.plan(a), await plan.plan(b)];
    assert.deepEqual(reads, []);
    assert.deepEqual(steps.map((step) => step.action), ["unchanged", "create"]);
  });

  it("reads with readInPlan when a resource has one; what it learns spares the later read", async () => {
    const reads: string[] = [];
    const later = fake("later", "old", reads);
    const first = fake("first", "wanted", reads, {
      readInPlan: async (_aws, _target, learn) => {
        reads.push("first, in the plan");
        learn(later, "wanted");
        return "wanted";
      },
    });
    const plan = planner();
    const steps = [await plan.plan(first), await plan.plan(later)];
    assert.deepEqual(reads, ["first, in the plan"]);
    assert.deepEqual(steps.map((step) => step.action), ["unchanged", "unchanged"]);
  });
});

describe("Function: inApplyOrder", () => {
  const step = (id: string, action: StepAction): PlannedStep => ({ id, resource: id, name: id, action, changes: [], notes: [] });
  const cases: Array<{ title: string; steps: Array<[string, StepAction]>; order: string[] }> = [
    { title: "keeps the list's order when everything is wanted", steps: [["ecr", "create"], ["ssm", "update"], ["schedule-group", "unchanged"], ["schedule", "create"]], order: ["ecr", "ssm", "schedule-group", "schedule"] },
    { title: "removes the schedule before the group that holds it", steps: [["mapping", "unchanged"], ["schedule-group", "delete"], ["schedule", "delete"]], order: ["mapping", "schedule", "schedule-group"] },
    { title: "orders absent ones the same way", steps: [["mapping", "unchanged"], ["schedule-group", "absent"], ["schedule", "absent"]], order: ["mapping", "schedule", "schedule-group"] },
    { title: "leaves a lone removal where it is", steps: [["ecr", "unchanged"], ["ssm", "absent"], ["iam-function", "update"], ["schedule-group", "delete"], ["schedule", "absent"]], order: ["ecr", "ssm", "iam-function", "schedule", "schedule-group"] },
  ];
  for (const { title, steps, order } of cases) {
    it(title, () => {
      assert.deepEqual(inApplyOrder(steps.map(([id, action]) => step(id, action))).map((s) => s.id), order);
    });
  }
});

describe("Function: validateDeploySettings", () => {
  const cases: Array<{ title: string; settings: Partial<Settings>; warnings?: RegExp[]; throws?: RegExp }> = [
    { title: "accepts the defaults quietly", settings: {}, warnings: [] },
    { title: "warns below 6× the function timeout", settings: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 120, LETSGO_WORKER_FUNCTION_TIMEOUT: 60 }, warnings: [/6×/] },
    { title: "refuses a visibility timeout shorter than the function timeout, with the numbers", settings: { LETSGO_WORKER_VISIBILITY_TIMEOUT: 30, LETSGO_WORKER_FUNCTION_TIMEOUT: 60 }, throws: /\(30 s\).*\(60 s\).*360 s/ },
    { title: "refuses batches over 10 without a batching window, as AWS does", settings: { LETSGO_WORKER_BATCH_SIZE: 11, LETSGO_WORKER_BATCHING_WINDOW: 0 }, throws: /LETSGO_WORKER_BATCHING_WINDOW/ },
    { title: "refuses a cron expression AWS would not fire", settings: { LETSGO_WORKER_SCHEDULE: "cron(0 9 * * MON *)" }, throws: /./ },
    { title: "refuses an unknown time zone", settings: { LETSGO_WORKER_SCHEDULE_TIMEZONE: "Mars/Olympus" }, throws: /./ },
    { title: "accepts an empty schedule", settings: { LETSGO_WORKER_SCHEDULE: "" }, warnings: [] },
  ];
  for (const { title, settings, warnings, throws } of cases) {
    it(title, () => {
      const all = { ...defaultSettings(), ...settings } as Settings;
      if (throws) {
        assert.throws(() => validateDeploySettings(all), (error: Error) => error instanceof SettingsError && throws.test(error.message));
        return;
      }
      const found = validateDeploySettings(all);
      assert.equal(found.length, warnings!.length);
      warnings!.forEach((pattern, i) => assert.match(found[i]!, pattern));
    });
  }
});

// --- One table per resource: desired × current → action and changed fields ---

planTable<RepositoryState, ReturnType<typeof repository.desired>>(repository, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d, t) => ({ arn: "a", uri: "u", scanOnPush: true, lifecyclePolicy: copy(d!.lifecyclePolicy), tags: t.tags }), action: "unchanged", fields: [] },
  { title: "no scanning, no lifecycle policy", current: (_d, t) => ({ arn: "a", uri: "u", scanOnPush: false, lifecyclePolicy: undefined, tags: t.tags }), action: "update", fields: ["scanOnPush", "lifecyclePolicy"] },
  { title: "a stale version tag", current: (d, t) => ({ arn: "a", uri: "u", scanOnPush: true, lifecyclePolicy: copy(d!.lifecyclePolicy), tags: { ...t.tags, "letsgo-worker:version": "0.0.1" } }), action: "update", fields: ["Tags"] },
]);

const secretState = (values: Record<string, string>, version = 1): SecretsState => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, version }]));

planTable<SecretsState, Record<string, string>>(secrets, [
  { title: "no secrets, no parameters", current: () => undefined, action: "absent", fields: [] },
  { title: "secrets, no parameters", extra: { MY_API_KEY: "k" }, current: () => undefined, action: "create", fields: ["MY_API_KEY"] },
  { title: "the same values", extra: { MY_API_KEY: "k" }, current: () => secretState({ MY_API_KEY: "k" }), action: "unchanged", fields: [] },
  { title: "a changed value, a new key, a dropped key", extra: { MY_API_KEY: "k2", NEW_TOKEN: "t" }, current: () => secretState({ MY_API_KEY: "k", OLD_SECRET: "o" }), action: "update", fields: ["MY_API_KEY", "NEW_TOKEN", "OLD_SECRET"] },
  { title: "no secrets left, parameters remain", current: () => secretState({ OLD_SECRET: "o" }), action: "delete", fields: ["OLD_SECRET"] },
]);

const roleState = (d: { trustPolicy: unknown; inlinePolicy: unknown } | undefined, tags: Record<string, string>): RoleState => ({
  arn: "r",
  trustPolicy: copy(d!.trustPolicy),
  inlinePolicy: copy(d!.inlinePolicy),
  tags,
});

planTable(functionRole, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d, t) => roleState(d, t.tags), action: "unchanged", fields: [] },
  { title: "without its inline policy", current: (d, t) => ({ ...roleState(d, t.tags), inlinePolicy: undefined }), action: "update", fields: ["InlinePolicy"] },
  { title: "secrets added since the role was made", extra: { MY_API_KEY: "k" }, current: (_d, t) => roleState(functionRole.desired(t, makeInputs(t)), t.tags), action: "update", fields: ["InlinePolicy"] },
  { title: "a trust policy edited by hand", current: (d, t) => ({ ...roleState(d, t.tags), trustPolicy: { Version: "2012-10-17", Statement: [] } }), action: "update", fields: ["AssumeRolePolicyDocument"] },
]);

planTable(schedulerRole, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d, t) => roleState(d, t.tags), action: "unchanged", fields: [] },
  { title: "untagged", current: (d) => roleState(d, {}), action: "update", fields: ["Tags"] },
]);

const queueState = (d: Record<string, string> | undefined, t: DeployTarget, attributes: Record<string, string> = {}): QueueState => ({
  url: "u",
  attributes: { ...d!, QueueArn: "x", ApproximateNumberOfMessages: "0", ...attributes },
  tags: t.tags,
});

planTable(deadLetterQueue, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted (with attributes we do not manage)", current: (d, t) => queueState(d, t), action: "unchanged", fields: [] },
  { title: "a shorter retention", current: (d, t) => queueState(d, t, { MessageRetentionPeriod: "345600" }), action: "update", fields: ["MessageRetentionPeriod"] },
]);

planTable(workQueue, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  {
    title: "a redrive policy with a string count and other key order",
    current: (d, t) => queueState(d, t, { RedrivePolicy: `{"maxReceiveCount":"5","deadLetterTargetArn":"${deadLetterQueue.arn(t)}"}` }),
    action: "unchanged",
    fields: [],
  },
  { title: "visibility timeout 30 s", current: (d, t) => queueState(d, t, { VisibilityTimeout: "30" }), action: "update", fields: ["VisibilityTimeout"] },
  { title: "a new LETSGO_WORKER_MAX_RECEIVE_COUNT", settings: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 7 }, current: (_d, t) => queueState(workQueue.desired(makeTarget()), t), action: "update", fields: ["RedrivePolicy"] },
]);

const functionState = (d: ReturnType<typeof workerFunction.desired> | undefined, t: DeployTarget, overrides: Partial<FunctionState> = {}): FunctionState => ({
  ...copy(d!),
  arn: "f",
  state: "Active",
  lastUpdateStatus: "Successful",
  tags: t.tags,
  ...overrides,
});

planTable(workerFunction, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d, t) => functionState(d, t), action: "unchanged", fields: [] },
  { title: "another image and memory", settings: { LETSGO_WORKER_MEMORY: 256 }, current: (d, t) => functionState(d, t, { ImageUri: "img:0", MemorySize: 128 }), action: "update", fields: ["ImageUri", "MemorySize"] },
  {
    title: "a plain variable added and one gone (listed per variable)",
    settings: { LETSGO_WORKER_PLAIN_ENV: "SHOP_NAME,OLD_FLAG" },
    extra: { SHOP_NAME: "acme" },
    current: (d, t) => functionState(d, t, { Environment: { ...d!.Environment, SHOP_NAME: undefined as never, OLD_FLAG: "1" } }),
    action: "update",
    fields: ["Environment.OLD_FLAG", "Environment.SHOP_NAME"],
  },
  {
    title: "a secret an older deploy left in plain configuration",
    extra: { DATABASE_URL: "postgres://u:p@h/d" },
    current: (d, t) => functionState(d, t, { Environment: { ...d!.Environment, DATABASE_URL: "postgres://u:p@h/d" } }),
    action: "update",
    fields: ["Environment.DATABASE_URL"],
  },
]);

planTable<AsyncInvokeState, ReturnType<typeof asyncInvokeConfig.desired>>(asyncInvokeConfig, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (_d, t) => ({ ...ASYNC_INVOKE_POLICY, OnFailure: deadLetterQueue.arn(t) }), action: "unchanged", fields: [] },
  {
    title: "retries off, no destination, an on-success destination added",
    current: () => ({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600, OnFailure: undefined, OnSuccess: `arn:aws:sqs:${REGION}:${ACCOUNT}:elsewhere` }),
    action: "update",
    fields: ["MaximumRetryAttempts", "OnFailure", "OnSuccess"],
  },
]);

planTable<MappingState, ReturnType<typeof eventSourceMapping.desired>>(eventSourceMapping, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d) => ({ uuid: "u", state: "Enabled", ...copy(d!) }), action: "unchanged", fields: [] },
  {
    title: "no batching window and no ReportBatchItemFailures (LetsGo's original mapping)",
    current: (d) => ({ uuid: "u", ...copy(d!), MaximumBatchingWindowInSeconds: undefined, FunctionResponseTypes: [] }),
    action: "update",
    fields: ["MaximumBatchingWindowInSeconds", "FunctionResponseTypes"],
  },
  { title: "disabled by hand", current: (d) => ({ uuid: "u", state: "Disabled", ...copy(d!), Enabled: false }), action: "update", fields: ["Enabled"] },
]);

planTable(scheduleGroup, [
  { title: "a schedule wanted, no group", current: () => undefined, action: "create", fields: [] },
  { title: "a schedule wanted, the group there", current: () => ({ arn: "g", state: "ACTIVE" }), action: "unchanged", fields: [] },
  { title: "no schedule wanted, the group there", settings: { LETSGO_WORKER_SCHEDULE: "" }, current: () => ({ arn: "g" }), action: "delete", fields: [] },
  { title: "no schedule wanted, no group", settings: { LETSGO_WORKER_SCHEDULE: "" }, current: () => undefined, action: "absent", fields: [] },
]);

const scheduleState = (d: ReturnType<typeof schedule.desired>, overrides: Partial<ScheduleState> = {}): ScheduleState => ({ ...copy(d!), arn: "s", createdAt: new Date(0), ...overrides });

planTable(schedule, [
  { title: "missing", current: () => undefined, action: "create", fields: [] },
  { title: "as wanted", current: (d) => scheduleState(d), action: "unchanged", fields: [] },
  { title: "no time zone read back (UTC)", settings: { LETSGO_WORKER_SCHEDULE_TIMEZONE: "UTC" }, current: (d) => scheduleState(d, { ScheduleExpressionTimezone: undefined }), action: "unchanged", fields: [] },
  { title: "another role in the target (only that part listed)", current: (d) => scheduleState(d, { Target: { ...copy(d!.Target), RoleArn: "other" } }), action: "update", fields: ["Target.RoleArn"] },
  { title: "a new expression", settings: { LETSGO_WORKER_SCHEDULE: "rate(5 minutes)" }, current: () => scheduleState(schedule.desired(makeTarget())), action: "update", fields: ["ScheduleExpression"] },
  { title: "LETSGO_WORKER_SCHEDULE emptied", settings: { LETSGO_WORKER_SCHEDULE: "" }, current: () => scheduleState(schedule.desired(makeTarget())), action: "delete", fields: [] },
  { title: "empty, and none there", settings: { LETSGO_WORKER_SCHEDULE: "" }, current: () => undefined, action: "absent", fields: [] },
]);

// --- Desired states: what each resource asks AWS for ---

describe("Desired state: SQS queues", () => {
  it("sets the redrive policy to this DLQ, size, long polling and encryption", () => {
    const t = makeTarget({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 5 });
    const attrs = workQueue.desired(t);
    assert.deepEqual(JSON.parse(attrs.RedrivePolicy!), { deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:letsgo-main-worker-dlq`, maxReceiveCount: 5 });
    assert.equal(attrs.MaximumMessageSize, "1048576", "1 MiB, as SQS and Lambda take since 2026");
    assert.equal(attrs.ReceiveMessageWaitTimeSeconds, "2");
    assert.equal(attrs.SqsManagedSseEnabled, "true");
    assert.equal(deadLetterQueue.desired(t).MessageRetentionPeriod, "1209600", "the DLQ keeps messages longest");
  });

  it("notes the timing warning on the queue's step", () => {
    const t = makeTarget({ LETSGO_WORKER_VISIBILITY_TIMEOUT: 120 });
    assert.match(workQueue.notes!(t, makeInputs(t))[0]!, /6×/);
  });
});

describe("Desired state: IAM roles", () => {
  it("scopes the function role to this queue, its DLQ, its log group and (with secrets) its SSM path", () => {
    const t = makeTarget();
    const withSecrets = functionRole.desired(t, makeInputs(t, { extra: { MY_API_KEY: "k" } })).inlinePolicy;
    const resources = withSecrets.Statement.flatMap((s) => [s.Resource].flat());
    const [queue, dlq, logs, path] = [workQueue.arn(t), deadLetterQueue.arn(t), logGroup.arn(t), secrets.arn(t)];
    assert.deepEqual(resources, [queue, queue, dlq, logs, `${logs}:*`, path, `${path}/*`]);
    const actions = withSecrets.Statement.flatMap((s) => [s.Action].flat());
    assert.deepEqual(actions.filter((a) => String(a).startsWith("sqs:")).sort(), [
      "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:SendMessage",
    ]);
    // The DLQ only for sending (Lambda's on-failure destination), nothing else.
    const dlqStatements = withSecrets.Statement.filter((s) => [s.Resource].flat().includes(dlq));
    assert.deepEqual(dlqStatements.map((s) => [s.Action, s.Resource]), [["sqs:SendMessage", dlq]]);
    assert.equal(functionRole.desired(t, makeInputs(t)).inlinePolicy.Statement.length, 4, "no SSM statement without secrets");
  });

  it("lets the scheduler role only invoke this function and dead-letter to this DLQ", () => {
    const t = makeTarget();
    assert.deepEqual(schedulerRole.desired(t, makeInputs(t)).inlinePolicy.Statement.map((s) => [s.Action, s.Resource]), [
      ["lambda:InvokeFunction", workerFunction.arn(t)],
      ["sqs:SendMessage", deadLetterQueue.arn(t)],
    ]);
  });
});

describe("Desired state: Lambda function", () => {
  it("runs the image with the function role, and a secrets version from the parameters' versions after the plan", () => {
    const t = makeTarget({ LETSGO_WORKER_MEMORY: 256, LETSGO_WORKER_PLAIN_ENV: "SHOP_NAME" });
    const found = new Map<Resource<any>, unknown>([[secrets, secretState({ MY_API_KEY: "old" }, 4)]]);
    const desired = workerFunction.desired(t, makeInputs(t, { extra: { MY_API_KEY: "new", SHOP_NAME: "acme" }, image: "img:7", found }));
    assert.equal(desired.ImageUri, "img:7");
    assert.equal(desired.Role, functionRole.arn(t));
    assert.equal(desired.MemorySize, 256);
    assert.equal(desired.Environment.SHOP_NAME, "acme");
    assert.equal(desired.Environment.LETSGO_WORKER_QUEUE_URL, workQueue.url(t));
    assert.equal(desired.Environment.LETSGO_SECRETS_VERSION, secretsVersion({ MY_API_KEY: 5 }), "overwritten: the next version");
    assert.equal("MY_API_KEY" in desired.Environment, false);
  });

  it("notes the variables Lambda reserves", () => {
    const t = makeTarget();
    assert.deepEqual(workerFunction.notes!(t, makeInputs(t, { extra: { AWS_REGION: "x" } })), ["Not passed to the function (Lambda reserves them): AWS_REGION."]);
  });

  it("warns of names LETSGO_WORKER_PLAIN_ENV lists that .env does not set", () => {
    const t = makeTarget({ LETSGO_WORKER_PLAIN_ENV: "LOG_LEVEL,FEATURE_X,FEATURE_Y,LETSGO_API_URL" });
    assert.deepEqual(workerFunction.notes!(t, makeInputs(t, { extra: { LOG_LEVEL: "debug", FEATURE_Y: "" } })), [
      "warning: LETSGO_WORKER_PLAIN_ENV lists FEATURE_X, FEATURE_Y, which apps/worker/.env does not set: nothing to keep plain for them (a typo?).",
    ]);
    assert.deepEqual(workerFunction.notes!(t, makeInputs(t, { extra: { LOG_LEVEL: "debug", FEATURE_X: "1", FEATURE_Y: "1" } })), []);
  });
});

describe("Desired state: schedule", () => {
  it("targets the function with the scheduler role, a retry policy, the DLQ and the Scheduled Event input", () => {
    const t = makeTarget({ LETSGO_WORKER_SCHEDULE: "cron(0 9 ? * MON-FRI *)", LETSGO_WORKER_SCHEDULE_TIMEZONE: "Europe/Berlin" });
    const desired = schedule.desired(t)!;
    assert.equal(desired.ScheduleExpression, "cron(0 9 ? * MON-FRI *)");
    assert.equal(desired.ScheduleExpressionTimezone, "Europe/Berlin");
    assert.equal(desired.Target.Arn, workerFunction.arn(t));
    assert.equal(desired.Target.RoleArn, schedulerRole.arn(t));
    assert.equal(desired.Target.DeadLetterConfig.Arn, deadLetterQueue.arn(t));
    assert.deepEqual(desired.Target.RetryPolicy, { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });
    const input = JSON.parse(desired.Target.Input);
    assert.equal(input["detail-type"], "Scheduled Event");
    assert.equal(input.time, "<aws.scheduler.scheduled-time>");
  });

  it("is absent for an empty expression, noted, and refuses an invalid one", () => {
    const empty = makeTarget({ LETSGO_WORKER_SCHEDULE: "" });
    assert.equal(schedule.desired(empty), undefined);
    assert.deepEqual(schedule.notes!(empty), ["LETSGO_WORKER_SCHEDULE is empty: no schedule."]);
    assert.throws(() => schedule.desired(makeTarget({ LETSGO_WORKER_SCHEDULE: "cron(0 9 * * MON *)" })), SettingsError);
  });
});

describe("Desired state: repository, async invoke config, mapping", () => {
  it("keeps the last 10 images, retries failed runs twice into this DLQ, always reports batch item failures", () => {
    const t = makeTarget({ LETSGO_WORKER_BATCH_SIZE: 50, LETSGO_WORKER_BATCHING_WINDOW: 5, LETSGO_WORKER_CONCURRENCY: 7 });
    const lifecycle = repository.desired() as { lifecyclePolicy: { rules: Array<{ selection: { countNumber: number } }> } };
    assert.equal(lifecycle.lifecyclePolicy.rules[0]!.selection.countNumber, 10);
    assert.deepEqual(asyncInvokeConfig.desired(t), { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600, OnFailure: deadLetterQueue.arn(t), OnSuccess: undefined });
    assert.deepEqual(eventSourceMapping.desired(t), {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 7 },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      Enabled: true,
    });
  });
});

describe("Function: describe (what status shows)", () => {
  const t = makeTarget();
  const cases: Array<{ title: string; resource: Resource<any>; current: unknown; view: unknown }> = [
    { title: "a missing queue", resource: workQueue, current: undefined, view: { present: false, details: {} } },
    {
      title: "the queue's timing and redrive",
      resource: workQueue,
      current: { url: "u", attributes: { VisibilityTimeout: "360", MessageRetentionPeriod: "345600", RedrivePolicy: '{"maxReceiveCount":3}' }, tags: {} },
      view: { present: true, details: { visibilityTimeout: 360, retentionSeconds: 345600, maxReceiveCount: 3 } },
    },
    { title: "no secrets: none, not missing", resource: secrets, current: undefined, view: { present: false, state: "none", details: { keys: "" } } },
    { title: "the secrets' keys, never values", resource: secrets, current: secretState({ B: "2", A: "1" }), view: { present: true, state: undefined, details: { keys: "A, B" } } },
    {
      title: "the function's state and sizes",
      resource: workerFunction,
      current: { arn: "f", state: "Active", lastUpdateStatus: "Successful", MemorySize: 128, Timeout: 60, Architectures: ["arm64"], EphemeralStorage: { Size: 512 }, tags: {} },
      view: { present: true, state: "Active / Successful", details: { memoryMb: 128, timeoutSeconds: 60, architecture: "arm64", ephemeralStorageMb: 512 } },
    },
    {
      title: "the async invoke config's destination by queue name",
      resource: asyncInvokeConfig,
      current: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600, OnFailure: deadLetterQueue.arn(t) },
      view: { present: true, details: { retries: 2, maxEventAgeSeconds: 3600, onFailure: "letsgo-main-worker-dlq" } },
    },
  ];
  for (const { title, resource, current, view } of cases) {
    it(title, () => {
      assert.deepEqual(resource.describe!(current, t), view);
    });
  }
});
