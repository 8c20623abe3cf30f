/** Pure parts of the AWS side: desired states, diffs, plan text, helpers. No AWS calls. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSettings, type Settings } from "../src/project/settings.ts";
import { SettingsError } from "../src/errors.ts";
import { isMutatingCommand } from "../src/aws/calls.ts";
import { canonical, diffFields, diffTags, parseJsonDocument, sameValue } from "../src/aws/diff.ts";
import { buildTarget, imageUri, type DeployTarget } from "../src/aws/target.ts";
import { createHash } from "node:crypto";
import { functionEnvironment, secretsVersion, withSecretsVersion } from "../src/aws/environment.ts";
import { checkQueueTiming, desiredQueueAttributes, diffQueue } from "../src/aws/sqs.ts";
import { diffRole, functionRole, schedulerRole } from "../src/aws/iam.ts";
import { desiredFunction, diffFunction } from "../src/aws/lambda.ts";
import { desiredMapping, diffMapping } from "../src/aws/eventSourceMapping.ts";
import { desiredSchedule, diffSchedule } from "../src/aws/scheduler.ts";
import { desiredRepository, diffRepository } from "../src/aws/ecr.ts";
import { diffSecrets, secretVersionsAfter } from "../src/aws/ssm.ts";
import { ASYNC_INVOKE_POLICY, desiredAsyncInvoke, diffAsyncInvoke } from "../src/aws/asyncInvoke.ts";
import { asServiceError, awsFailureReason, isAwsFailure } from "../src/aws/failure.ts";
import { ServiceError } from "../src/errors.ts";
import { formatPlan, planToJson, type DeployPlan } from "../src/aws/plan.ts";
import { isRoleNotReady, retryWhileRoleNotReady } from "../src/aws/retry.ts";
import { FOLLOW_OVERLAP_MS, SeenEvents, formatLogEvent, parseSince } from "../src/aws/logs.ts";
import { decodeAuthorizationToken, registryBaseUrl } from "../src/aws/push.ts";
import { nextFireTime } from "../src/aws/status.ts";

function makeTarget(overrides: Partial<Settings> = {}, partition = "aws"): DeployTarget {
  const settings = { ...defaultSettings(), ...overrides } as Settings;
  return buildTarget(settings, { account: "111122223333", partition, arn: `arn:${partition}:iam::111122223333:user/me` }, "eu-west-1");
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe("Function: isMutatingCommand", () => {
  it("names mutating commands by their verb", () => {
    for (const name of ["CreateQueue", "PutRolePolicy", "UpdateFunctionConfiguration", "DeleteSchedule", "TagResource", "SetQueueAttributes", "StartMessageMoveTask", "SendMessage", "PurgeQueue", "UntagQueue"]) {
      assert.equal(isMutatingCommand(name), true, name);
    }
    for (const name of ["GetQueueUrl", "ListRoleTags", "DescribeRepositories", "GetCallerIdentity", "FilterLogEvents", "BatchGetImage", "ReceiveMessage"]) {
      assert.equal(isMutatingCommand(name), false, name);
    }
  });
});

describe("Function: diff helpers", () => {
  it("compares documents without regard to key order, and decodes IAM's URL-encoded policies", () => {
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
    const encoded = encodeURIComponent(JSON.stringify({ Statement: [{ Resource: "*", Action: "s3:GetObject", Effect: "Allow" }], Version: "2012-10-17" }));
    assert.ok(sameValue(parseJsonDocument(encoded), policy));
    assert.deepEqual(canonical({ b: 1, a: { d: 2, c: 3 } }), { a: { c: 3, d: 2 }, b: 1 });
  });

  it("reports only desired fields that differ", () => {
    assert.deepEqual(diffFields({ A: 1, B: 2, Extra: 9 }, { A: 1, B: 3 }), [{ field: "B", from: 2, to: 3 }]);
  });

  it("sets changed tags and removes only our own stale ones", () => {
    assert.deepEqual(diffTags({ "letsgo:old": "x", team: "a", "letsgo:deployment": "main" }, { "letsgo:deployment": "main", "letsgo-worker:version": "2" }), {
      set: { "letsgo-worker:version": "2" },
      remove: ["letsgo:old"],
    });
  });
});

describe("Function: buildTarget", () => {
  it("derives every ARN from account, partition and region", () => {
    const t = makeTarget({}, "aws-cn");
    assert.equal(t.arns.queue, "arn:aws-cn:sqs:eu-west-1:111122223333:letsgo-main-worker");
    assert.equal(t.arns.functionRole, "arn:aws-cn:iam::111122223333:role/letsgo-main-worker-role");
    assert.equal(t.arns.function, "arn:aws-cn:lambda:eu-west-1:111122223333:function:letsgo-main-worker");
    assert.equal(t.arns.secretsPath, "arn:aws-cn:ssm:eu-west-1:111122223333:parameter/letsgo/main/worker");
    assert.equal(t.queueUrl, "https://sqs.eu-west-1.amazonaws.com.cn/111122223333/letsgo-main-worker");
    assert.equal(imageUri(t, "abc"), "111122223333.dkr.ecr.eu-west-1.amazonaws.com.cn/letsgo-main-worker:abc");
  });

  it("uses LETSGO_WORKER_REGISTRY as the image registry", () => {
    assert.equal(imageUri(makeTarget({ LETSGO_WORKER_REGISTRY: "127.0.0.1:5000" }), "t1"), "127.0.0.1:5000/letsgo-main-worker:t1");
  });
});

describe("Function: functionEnvironment", () => {
  it("drops deploy settings, moves secrets out, adds the deployment, queue URL and secrets path", () => {
    const settings = { ...defaultSettings(), STRIPE_WEBHOOK_SECRET: "whsec_x", LETSGO_WORKER_PRIVATE_KEY: "" } as Settings;
    const env = functionEnvironment(settings, { MY_API_KEY: "k", SHOP_NAME: "acme", AWS_REGION: "x", EMPTY: "" }, {
      deployment: "main",
      queueUrl: "https://q",
      secretsPrefix: "/letsgo/main/worker/",
    });
    assert.deepEqual(env.secrets, { STRIPE_WEBHOOK_SECRET: "whsec_x", MY_API_KEY: "k" });
    assert.deepEqual(env.skipped, ["AWS_REGION"]);
    assert.equal(env.variables.SHOP_NAME, "acme");
    assert.equal(env.variables.LETSGO_DEPLOYMENT, "main");
    assert.equal(env.variables.LETSGO_WORKER_QUEUE_URL, "https://q");
    assert.equal(env.variables.LETSGO_SECRETS_PATH, "/letsgo/main/worker/");
    assert.equal("LETSGO_SECRETS_VERSION" in env.variables, false, "set from the parameters' versions, not here");
    for (const key of ["LETSGO_WORKER_MEMORY", "LETSGO_WORKER_SCHEDULE", "STRIPE_WEBHOOK_SECRET", "MY_API_KEY", "EMPTY", "LETSGO_WORKER_PRIVATE_KEY"]) {
      assert.equal(key in env.variables, false, key);
    }
  });

  it("derives LETSGO_SECRETS_VERSION from parameter versions, never from the secret values", () => {
    const secrets = { STRIPE_WEBHOOK_SECRET: "whsec_x", MY_API_KEY: "k" };
    const current = { STRIPE_WEBHOOK_SECRET: { value: "whsec_x", version: 3 }, MY_API_KEY: { value: "old", version: 1 } };
    const versions = secretVersionsAfter(current, secrets);
    assert.deepEqual(versions, { MY_API_KEY: 2, STRIPE_WEBHOOK_SECRET: 3 }, "unchanged keeps its version, overwritten gets the next");
    const version = withSecretsVersion({ A: "1" }, versions).LETSGO_SECRETS_VERSION!;
    assert.equal(version, secretsVersion(versions));
    // Nothing someone reading the configuration could compare a guess with: no hash of the values in any usual form.
    const material = Object.keys(secrets).sort().map((key) => `${key}\u0000${secrets[key as keyof typeof secrets]}\u0000`).join("");
    for (const algorithm of ["sha256", "sha1", "md5", "sha512"]) {
      for (const input of [material, ...Object.values(secrets), JSON.stringify(secrets)]) {
        const digest = createHash(algorithm).update(input).digest("hex");
        assert.ok(!digest.startsWith(version) && !digest.includes(version), `${algorithm} of a secret`);
      }
    }
    // The same versions with other values give the same version string: the values play no part.
    assert.equal(secretsVersion(secretVersionsAfter({ STRIPE_WEBHOOK_SECRET: { value: "whsec_other", version: 3 } }, { STRIPE_WEBHOOK_SECRET: "whsec_other" })), secretsVersion({ STRIPE_WEBHOOK_SECRET: 3 }));
    assert.notEqual(secretsVersion({ A: 1 }), secretsVersion({ A: 2 }), "a new parameter version changes it");
    assert.deepEqual(withSecretsVersion({ A: "1" }, {}), { A: "1" }, "no secrets, no version");
    assert.deepEqual(secretVersionsAfter({}, { NEW: "v" }), { NEW: 1 });
  });

  it("adds no secrets path when there are no secrets", () => {
    const env = functionEnvironment(defaultSettings(), {}, { deployment: "main", queueUrl: "q", secretsPrefix: "/p/" });
    assert.equal("LETSGO_SECRETS_PATH" in env.variables, false);
  });
});

describe("Function: checkQueueTiming", () => {
  it("refuses a visibility timeout shorter than the function timeout, with the numbers", () => {
    const settings = { ...defaultSettings(), LETSGO_WORKER_VISIBILITY_TIMEOUT: 30, LETSGO_WORKER_FUNCTION_TIMEOUT: 60 } as Settings;
    assert.throws(() => checkQueueTiming(settings), (error: Error) => error instanceof SettingsError && /\(30 s\).*\(60 s\).*360 s/.test(error.message));
  });

  it("warns below 6× and is quiet at 6×", () => {
    const below = { ...defaultSettings(), LETSGO_WORKER_VISIBILITY_TIMEOUT: 120, LETSGO_WORKER_FUNCTION_TIMEOUT: 60 } as Settings;
    assert.match(checkQueueTiming(below)[0]!, /6×/);
    assert.deepEqual(checkQueueTiming(defaultSettings()), []);
  });
});

describe("Function: SQS desired state and diff", () => {
  it("sets the redrive policy, size, long polling and encryption", () => {
    const attrs = desiredQueueAttributes(makeTarget({ LETSGO_WORKER_MAX_RECEIVE_COUNT: 5 }));
    assert.deepEqual(JSON.parse(attrs.RedrivePolicy!), { deadLetterTargetArn: "arn:aws:sqs:eu-west-1:111122223333:letsgo-main-worker-dlq", maxReceiveCount: 5 });
    assert.equal(attrs.MaximumMessageSize, "262144");
    assert.equal(attrs.ReceiveMessageWaitTimeSeconds, "2");
    assert.equal(attrs.SqsManagedSseEnabled, "true");
  });

  it("treats a redrive policy with a string count and other key order as equal", () => {
    const target = makeTarget();
    const desired = desiredQueueAttributes(target);
    const current = {
      url: "u",
      attributes: { ...desired, RedrivePolicy: `{"maxReceiveCount":"3","deadLetterTargetArn":"${target.arns.deadLetterQueue}"}`, QueueArn: "x" },
      tags: target.tags,
    };
    assert.deepEqual(diffQueue(current, desired, target.tags), []);
    const changed = diffQueue({ ...current, attributes: { ...current.attributes, VisibilityTimeout: "30" } }, desired, target.tags);
    assert.deepEqual(changed, [{ field: "VisibilityTimeout", from: "30", to: "360" }]);
  });
});

describe("Function: IAM roles", () => {
  it("scopes the function role to this queue, its log group and (with secrets) its SSM path", () => {
    const t = makeTarget();
    const policy = functionRole(t, true).inlinePolicy;
    const resources = policy.Statement.flatMap((s) => [s.Resource].flat());
    assert.deepEqual(resources, [
      t.arns.queue,
      t.arns.queue,
      t.arns.deadLetterQueue,
      t.arns.logGroup,
      `${t.arns.logGroup}:*`,
      t.arns.secretsPath,
      `${t.arns.secretsPath}/*`,
    ]);
    const actions = policy.Statement.flatMap((s) => [s.Action].flat());
    assert.deepEqual(actions.filter((a) => String(a).startsWith("sqs:")).sort(), [
      "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:SendMessage",
    ]);
    // The DLQ only for sending (Lambda's on-failure destination), nothing else.
    const dlqStatements = policy.Statement.filter((s) => [s.Resource].flat().includes(t.arns.deadLetterQueue));
    assert.deepEqual(dlqStatements.map((s) => [s.Action, s.Resource]), [["sqs:SendMessage", t.arns.deadLetterQueue]]);
    assert.equal(functionRole(t, false).inlinePolicy.Statement.length, 4);
  });

  it("lets the scheduler role only invoke this function and dead-letter to this DLQ", () => {
    const t = makeTarget();
    const role = schedulerRole(t);
    assert.deepEqual(role.inlinePolicy.Statement.map((s) => [s.Action, s.Resource]), [
      ["lambda:InvokeFunction", t.arns.function],
      ["sqs:SendMessage", t.arns.deadLetterQueue],
    ]);
  });

  it("finds no change when AWS returns the same documents", () => {
    const t = makeTarget();
    const desired = functionRole(t, false);
    const current = { arn: "a", trustPolicy: JSON.parse(JSON.stringify(desired.trustPolicy)), inlinePolicy: JSON.parse(JSON.stringify(desired.inlinePolicy)), tags: t.tags };
    assert.deepEqual(diffRole(current, desired, t.tags), []);
    assert.deepEqual(diffRole({ ...current, inlinePolicy: undefined }, desired, t.tags).map((c) => c.field), ["InlinePolicy"]);
  });
});

describe("Function: Lambda desired state and diff", () => {
  it("lists environment changes per variable and other fields by name", () => {
    const t = makeTarget({ LETSGO_WORKER_MEMORY: 256 });
    const desired = desiredFunction(t, "img:2", { A: "1", B: "2" });
    const current = { ...desiredFunction(makeTarget(), "img:1", { A: "1", C: "3" }), arn: "f", tags: t.tags };
    assert.deepEqual(diffFunction(current, desired, t.tags).map((c) => c.field), ["ImageUri", "MemorySize", "Environment.B", "Environment.C"]);
    assert.deepEqual(diffFunction({ ...desired, arn: "f", tags: t.tags }, desired, t.tags), []);
  });
});

describe("Function: event source mapping", () => {
  it("always reports batch item failures and takes batching from the settings", () => {
    const desired = desiredMapping(makeTarget({ LETSGO_WORKER_BATCH_SIZE: 50, LETSGO_WORKER_BATCHING_WINDOW: 5, LETSGO_WORKER_CONCURRENCY: 7 }));
    assert.deepEqual(desired, {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 7 },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      Enabled: true,
    });
    assert.deepEqual(diffMapping({ uuid: "u", Enabled: true, BatchSize: 50, ScalingConfig: { MaximumConcurrency: 7 }, FunctionResponseTypes: [] }, desired).map((c) => c.field), [
      "MaximumBatchingWindowInSeconds",
      "FunctionResponseTypes",
    ]);
  });

  it("refuses batches over 10 without a batching window, as AWS does", () => {
    assert.throws(() => desiredMapping(makeTarget({ LETSGO_WORKER_BATCH_SIZE: 11, LETSGO_WORKER_BATCHING_WINDOW: 0 })), SettingsError);
  });
});

describe("Function: async invoke config desired state and diff", () => {
  it("retries a failed run twice, then sends it to this worker's DLQ", () => {
    const t = makeTarget();
    const desired = desiredAsyncInvoke(t);
    assert.deepEqual(ASYNC_INVOKE_POLICY, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    assert.equal(desired.OnFailure, t.arns.deadLetterQueue);
    assert.deepEqual(diffAsyncInvoke(undefined, desired), []);
    assert.deepEqual(diffAsyncInvoke({ ...ASYNC_INVOKE_POLICY, OnFailure: t.arns.deadLetterQueue }, desired), []);
    const drifted = { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600, OnFailure: undefined, OnSuccess: "arn:aws:sqs:eu-west-1:111122223333:elsewhere" };
    assert.deepEqual(diffAsyncInvoke(drifted, desired).map((c) => c.field), ["MaximumRetryAttempts", "OnFailure", "OnSuccess"]);
  });
});

describe("Function: AWS failures", () => {
  function sdkError(name: string, message: string, extra: Record<string, unknown>): Error {
    return Object.assign(awsError(name, message), extra);
  }

  it("tells AWS failures (service answers, bad replies, the network) from bugs", () => {
    assert.equal(isAwsFailure(sdkError("AccessDeniedException", "not allowed", { $metadata: { httpStatusCode: 403 } })), true);
    assert.equal(isAwsFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })), true);
    assert.equal(isAwsFailure(sdkError("TimeoutError", "timed out", {})), true);
    assert.equal(isAwsFailure(new TypeError("cannot read properties of undefined")), false);
    assert.equal(isAwsFailure("text"), false);
  });

  it("wraps AWS failures in a ServiceError naming what and where; leaves bugs and our own errors alone", () => {
    const denied = sdkError("AccessDeniedException", "User is not authorized to perform ssm:GetParametersByPath", { $metadata: { httpStatusCode: 403 } });
    const wrapped = asServiceError(denied, "Reading the deployment's status", "eu-west-1");
    assert.ok(wrapped instanceof ServiceError);
    assert.equal(wrapped.exitCode, 1);
    assert.match(wrapped.message, /^Reading the deployment's status in eu-west-1 failed: AccessDeniedException: User is not authorized.*\(HTTP 403\)/);
    assert.match(wrapped.message, /--region/);
    assert.equal(wrapped.cause, denied);
    const bug = new TypeError("x is undefined");
    assert.equal(asServiceError(bug, "doing", "r"), bug);
    const ours = new ServiceError("already explained");
    assert.equal(asServiceError(ours, "doing", "r"), ours);
  });

  it("says an unparseable reply is not an AWS reply instead of showing the parser's complaint", () => {
    const html = sdkError("SyntaxError", "Unexpected token '<', \"<!doctype \"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.", {
      $metadata: { httpStatusCode: 404 },
      $response: { statusCode: 404 },
    });
    assert.equal(awsFailureReason(html), "the endpoint answered HTTP 404 with something that is not an AWS reply");
  });
});

describe("Function: schedule desired state and diff", () => {
  it("targets the function with the scheduler role, a retry policy, the DLQ and the Scheduled Event input", () => {
    const t = makeTarget({ LETSGO_WORKER_SCHEDULE: "cron(0 9 ? * MON-FRI *)", LETSGO_WORKER_SCHEDULE_TIMEZONE: "Europe/Berlin" });
    const desired = desiredSchedule(t)!;
    assert.equal(desired.ScheduleExpression, "cron(0 9 ? * MON-FRI *)");
    assert.equal(desired.ScheduleExpressionTimezone, "Europe/Berlin");
    assert.equal(desired.Target.Arn, t.arns.function);
    assert.equal(desired.Target.RoleArn, t.arns.schedulerRole);
    assert.equal(desired.Target.DeadLetterConfig.Arn, t.arns.deadLetterQueue);
    const input = JSON.parse(desired.Target.Input);
    assert.equal(input["detail-type"], "Scheduled Event");
    assert.equal(input.time, "<aws.scheduler.scheduled-time>");
    const changed = diffSchedule({ ...desired, Target: { ...desired.Target, RoleArn: "other" } }, desired);
    assert.deepEqual(changed.map((c) => c.field), ["Target.RoleArn"]);
  });

  it("is absent for an empty expression and refuses an invalid one before any AWS call", () => {
    assert.equal(desiredSchedule(makeTarget({ LETSGO_WORKER_SCHEDULE: "" })), undefined);
    assert.throws(() => desiredSchedule(makeTarget({ LETSGO_WORKER_SCHEDULE: "cron(0 9 * * MON *)" })), SettingsError);
    assert.throws(() => desiredSchedule(makeTarget({ LETSGO_WORKER_SCHEDULE_TIMEZONE: "Mars/Olympus" })), SettingsError);
  });
});

describe("Function: ECR and SSM diffs", () => {
  it("keeps the last images with a lifecycle rule and sees a missing policy", () => {
    const t = makeTarget();
    const desired = desiredRepository();
    assert.deepEqual(diffRepository({ arn: "a", uri: "u", scanOnPush: true, lifecyclePolicy: desired.lifecyclePolicy, tags: t.tags }, desired, t.tags), []);
    assert.deepEqual(diffRepository({ arn: "a", uri: "u", scanOnPush: false, lifecyclePolicy: undefined, tags: t.tags }, desired, t.tags).map((c) => c.field), ["scanOnPush", "lifecyclePolicy"]);
  });

  it("puts new and changed secrets, deletes removed ones, and never shows values", () => {
    const v = (value: string) => ({ value, version: 1 });
    const { put, remove, changes } = diffSecrets({ A: v("1"), B: v("2"), C: v("3") }, { A: "1", B: "22", D: "4" });
    assert.deepEqual(put, ["B", "D"]);
    assert.deepEqual(remove, ["C"]);
    assert.equal(JSON.stringify(changes).includes("22"), false);
  });
});

describe("Function: formatPlan", () => {
  it("shows each step's action, changed fields and notes, and says when all is up to date", () => {
    const plan: DeployPlan = {
      deployment: "main",
      region: "eu-west-1",
      account: "1",
      imageUri: "img",
      warnings: [],
      steps: [
        { id: "sqs", resource: "SQS queue", name: "q", action: "update", changes: [{ field: "VisibilityTimeout", from: "30", to: "360" }], notes: [], apply: async () => {} },
        { id: "lambda", resource: "Lambda function", name: "f", action: "unchanged", changes: [], notes: ["n"] },
      ],
    };
    const text = formatPlan(plan).join("\n");
    assert.match(text, /~ SQS queue\s+q\s+update\n\s+VisibilityTimeout: 30 → 360/);
    assert.match(text, /= Lambda function\s+f\s+unchanged\n\s+note: n/);
    assert.match(text, /1 step to apply/);
    assert.equal(planToJson(plan).upToDate, false);
    assert.match(formatPlan({ ...plan, steps: [plan.steps[1]!] }).join("\n"), /up to date/);
  });
});

describe("Function: retryWhileRoleNotReady", () => {
  it("retries while the role is not assumable yet, with growing pauses, then succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryWhileRoleNotReady(
      async () => {
        calls++;
        if (calls < 4) throw awsError("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.");
        return "ok";
      },
      { wait: async (ms) => void waits.push(ms), delayMs: 100, maxDelayMs: 300 },
    );
    assert.equal(result, "ok");
    assert.deepEqual(waits, [100, 200, 300]);
  });

  it("gives up after the bound, and does not retry other errors", async () => {
    let calls = 0;
    const notReady = awsError("ValidationException", "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.");
    await assert.rejects(retryWhileRoleNotReady(async () => { calls++; throw notReady; }, { attempts: 3, wait: async () => {} }), notReady);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(retryWhileRoleNotReady(async () => { calls++; throw awsError("ThrottlingException", "slow down"); }, { wait: async () => {} }));
    assert.equal(calls, 1);
    assert.equal(isRoleNotReady(awsError("ResourceConflictException", "role busy")), false);
  });
});

describe("Function: logs helpers", () => {
  it("parses --since as an age or a date", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    assert.equal(parseSince("10m", now), now - 600_000);
    assert.equal(parseSince("2h", now), now - 7_200_000);
    assert.equal(parseSince("2026-01-01T00:00:00Z", now), Date.parse("2026-01-01T00:00:00Z"));
    assert.throws(() => parseSince("yesterday-ish", now), /--since/);
  });

  it("pretty-prints the runtime's JSON lines and keeps other lines", () => {
    const timestamp = Date.parse("2026-01-01T12:00:00Z");
    assert.equal(
      formatLogEvent({ timestamp, message: '{"level":"error","msg":"handler failed","type":"OrderNew","attempt":2}\n' }),
      "2026-01-01T12:00:00.000Z ERROR handler failed type=OrderNew attempt=2",
    );
    assert.equal(formatLogEvent({ timestamp, message: "START RequestId: abc Version: $LATEST\n" }), "2026-01-01T12:00:00.000Z START RequestId: abc Version: $LATEST");
  });
});

describe("Class: SeenEvents", () => {
  it("shows each event once across overlapping polls and forgets what no poll can return", () => {
    const seen = new SeenEvents();
    const a = { timestamp: 1000, message: "a", eventId: "e1" };
    const late = { timestamp: 900, message: "late", eventId: "e0" };
    assert.equal(seen.add(a), true);
    assert.equal(seen.add(a), false, "the overlapping poll returns it again");
    assert.equal(seen.add(late), true, "an older event that arrived late is still shown");
    seen.forgetBefore(950);
    assert.equal(seen.add(late), true, "forgotten once the window has passed it");
    assert.equal(seen.add(a), false);
    assert.ok(FOLLOW_OVERLAP_MS >= 5000);
  });
});

describe("Function: registry helpers", () => {
  it("decodes ECR's token and picks plain HTTP only for loopback registries", () => {
    const token = Buffer.from("AWS:secret:with:colons").toString("base64");
    assert.deepEqual(decodeAuthorizationToken(token, "reg"), { username: "AWS", password: "secret:with:colons", serveraddress: "reg" });
    assert.equal(registryBaseUrl("127.0.0.1:5000"), "http://127.0.0.1:5000");
    assert.equal(registryBaseUrl("localhost:5000/x"), "http://localhost:5000");
    assert.equal(registryBaseUrl("1.dkr.ecr.eu-west-1.amazonaws.com"), "https://1.dkr.ecr.eu-west-1.amazonaws.com");
  });

  it("computes the next fire time for status from the schedule's start", () => {
    const start = new Date("2026-01-01T10:00:30Z");
    assert.equal(nextFireTime("rate(1 hour)", "UTC", start, new Date("2026-01-01T12:30:00Z")), "2026-01-01T13:00:30.000Z");
    assert.equal(nextFireTime("cron(0 9 * * ? *)", "UTC", undefined, new Date("2026-01-01T12:30:00Z")), "2026-01-02T09:00:00.000Z");
  });
});
