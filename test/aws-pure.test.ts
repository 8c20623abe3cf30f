/** Pure helpers of the AWS side: call counting, diffs, environment, failures, plan text, retries, logs. No AWS calls. Resources: aws-resources.test.ts. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSettings, type Settings } from "../src/project/settings.ts";
import { handlerEnvironment } from "../src/project/handlerEnvironment.ts";
import { isMutatingCommand } from "../src/aws/calls.ts";
import { canonical, diffFields, diffTags, parseJsonDocument, sameValue, type FieldChange } from "../src/aws/diff.ts";
import { createHash } from "node:crypto";
import { functionEnvironment, isPlainVariable, secretsVersion, withSecretsVersion } from "../src/aws/environment.ts";
import { diffFunction } from "../src/aws/resources/function.ts";
import { diffSecrets, redactSecrets, secretVersionsAfter } from "../src/aws/resources/secrets.ts";
import { NOT_FOUND, asServiceError, awsFailureReason, deleteIfExists, isAwsFailure, readOrUndefined } from "../src/aws/failure.ts";
import { ServiceError } from "../src/errors.ts";
import { formatChange, formatPlan, planToJson, type DeployPlan } from "../src/aws/plan.ts";
import { isRoleNotReady, retryWhileRoleNotReady } from "../src/aws/retry.ts";
import { FOLLOW_OVERLAP_MS, SeenEvents, formatLogEvent, parseSince } from "../src/aws/logs.ts";
import { decodeAuthorizationToken, registryBaseUrl } from "../src/aws/push.ts";
import { nextFireTime } from "../src/aws/status.ts";

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

describe("Function: functionEnvironment", () => {
  const context = { deployment: "main", queueUrl: "https://q", secretsPrefix: "/letsgo/main/worker/" };

  it("makes every variable of the user's own a secret, whatever its name, and keeps only listed ones and plain settings in the configuration", () => {
    const settings = { ...defaultSettings(), SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x", LETSGO_WORKER_PLAIN_ENV: "LOG_LEVEL, FEATURE_X" } as Settings;
    const extra = {
      DATABASE_URL: "postgres://admin:pw@db/app", REDIS_URL: "redis://:pw@cache:6379", MONGODB_URI: "mongodb://u:p@m/db", OPENAI_APIKEY: "sk-x",
      SMTP_PASS: "p", SENTRY_DSN: "https://k@o1.ingest.sentry.io/1", ENCRYPTION_KEY_1: "e", PASSPHRASE: "horse", TWILIO_AUTH: "t", LOG_LEVEL: "debug",
    };
    const env = functionEnvironment(settings, extra, context);
    assert.deepEqual(Object.keys(env.secrets).sort(), [...Object.keys(extra).filter((k) => k !== "LOG_LEVEL"), "SLACK_WEBHOOK_URL"].sort());
    assert.deepEqual(env.variables, {
      LETSGO_API_URL: "http://localhost:3001",
      LETSGO_API_AUDIENCE: "letsgo:service",
      LOG_LEVEL: "debug",
      LETSGO_DEPLOYMENT: "main",
      LETSGO_WORKER_QUEUE_URL: "https://q",
      LETSGO_SECRETS_PATH: "/letsgo/main/worker/",
    });
    assert.deepEqual(env.unknownPlain, ["FEATURE_X"], "listed, not in .env");
  });

  it("splits exactly what a handler sees under dev: the same variables and values, only stored in two places", () => {
    const settings = { ...defaultSettings(), STRIPE_WEBHOOK_SECRET: "whsec_x", LETSGO_WORKER_PLAIN_ENV: "SHOP_NAME" } as Settings;
    const extra = { SHOP_NAME: "acme", DATABASE_URL: "postgres://x", EMPTY: "" };
    const env = functionEnvironment(settings, extra, context);
    const managed = ["LETSGO_WORKER_QUEUE_URL", "LETSGO_SECRETS_PATH"];
    const deployed = { ...Object.fromEntries(Object.entries(env.variables).filter(([key]) => !managed.includes(key))), ...env.secrets };
    assert.deepEqual(deployed, handlerEnvironment(settings, extra));
  });

  it("ignores in .env the variables deploy sets itself", () => {
    const env = functionEnvironment(defaultSettings(), { LETSGO_WORKER_QUEUE_URL: "http://local", LETSGO_SECRETS_PATH: "/x/", LETSGO_SECRETS_VERSION: "v" }, context);
    assert.deepEqual(env.secrets, {});
    assert.equal(env.variables.LETSGO_WORKER_QUEUE_URL, "https://q");
    assert.equal("LETSGO_SECRETS_PATH" in env.variables || "LETSGO_SECRETS_VERSION" in env.variables, false);
  });

  it("drops deploy settings, moves secrets out, adds the deployment, queue URL and secrets path", () => {
    const settings = { ...defaultSettings(), STRIPE_WEBHOOK_SECRET: "whsec_x", LETSGO_WORKER_PRIVATE_KEY: "", LETSGO_WORKER_PLAIN_ENV: "SHOP_NAME" } as Settings;
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
    for (const key of ["LETSGO_WORKER_MEMORY", "LETSGO_WORKER_SCHEDULE", "LETSGO_WORKER_PLAIN_ENV", "STRIPE_WEBHOOK_SECRET", "MY_API_KEY", "EMPTY", "LETSGO_WORKER_PRIVATE_KEY"]) {
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

  describe("Function: readOrUndefined / deleteIfExists", () => {
    const cases = [
      { title: "a result", call: async () => "found", read: "found", deleted: true },
      { title: "the service's not-found error", call: async () => { throw sdkError("QueueDoesNotExist", "no such queue", { $metadata: { httpStatusCode: 400 } }); }, read: undefined, deleted: false },
      { title: "the error in __type form", call: async () => { throw Object.assign(new Error("gone"), { __type: "com.amazonaws.sqs#AWS.SimpleQueueService.NonExistentQueue" }); }, read: undefined, deleted: false },
    ];
    for (const { title, call, read, deleted } of cases) {
      it(`reads ${title} as ${String(read)} and deletes it as ${deleted}`, async () => {
        assert.equal(await readOrUndefined(call, NOT_FOUND.queue), read);
        assert.equal(await deleteIfExists(call, NOT_FOUND.queue), deleted);
      });
    }

    it("passes any other failure on, another service's not-found included", async () => {
      const denied = sdkError("AccessDeniedException", "no", { $metadata: { httpStatusCode: 403 } });
      await assert.rejects(readOrUndefined(async () => { throw denied; }, NOT_FOUND.queue), denied);
      const lambdaMissing = sdkError("ResourceNotFoundException", "no function", { $metadata: { httpStatusCode: 404 } });
      await assert.rejects(deleteIfExists(async () => { throw lambdaMissing; }, NOT_FOUND.iam), lambdaMissing);
    });
  });

  it("says an unparseable reply is not an AWS reply instead of showing the parser's complaint", () => {
    const html = sdkError("SyntaxError", "Unexpected token '<', \"<!doctype \"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.", {
      $metadata: { httpStatusCode: 404 },
      $response: { statusCode: 404 },
    });
    assert.equal(awsFailureReason(html), "the endpoint answered HTTP 404 with something that is not an AWS reply");
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

describe("Secrets in plans and errors", () => {
  const SECRET = "postgres://admin:SuperSecretDbPass99@db.example.com/app";
  const NEW_SECRET = "postgres://admin:NewDbPass77@db.example.com/app";
  const planWith = (changes: FieldChange[]): DeployPlan => ({
    deployment: "main",
    region: "eu-west-1",
    account: "1",
    imageUri: "img",
    warnings: [],
    steps: [{ id: "ssm", resource: "SSM secrets", name: "/letsgo/main/worker/", action: "update", changes, notes: [], apply: async () => {} }],
  });

  it("diffSecrets says added, changed or removed, with no value", () => {
    const { changes } = diffSecrets({ DATABASE_URL: { value: SECRET, version: 1 }, OLD: { value: "o", version: 1 } }, { DATABASE_URL: NEW_SECRET, NEW: "n" });
    assert.deepEqual(changes, [
      { field: "DATABASE_URL", secret: "changed" },
      { field: "NEW", secret: "added" },
      { field: "OLD", secret: "removed" },
    ]);
    const text = formatPlan(planWith(changes)).join("\n");
    assert.match(text, /\n {6}DATABASE_URL: \(secret, changed\)\n {6}NEW: \(secret, added\)\n {6}OLD: \(secret, removed\)/);
  });

  it("the function's environment shows plain values, and a secret left in it by an older deploy only as removed", () => {
    const desired = { ImageUri: "i", Architectures: ["arm64"], Role: "r", MemorySize: 128, Timeout: 60, EphemeralStorage: { Size: 512 }, Environment: { LOG_LEVEL: "debug", LETSGO_SECRETS_PATH: "/p/" } };
    const current = { ...desired, arn: "a", tags: {}, Environment: { LOG_LEVEL: "info", DATABASE_URL: SECRET } };
    const isPlain = (key: string) => isPlainVariable(key, { ...defaultSettings(), LETSGO_WORKER_PLAIN_ENV: "LOG_LEVEL" });
    const changes = diffFunction(current, desired, {}, isPlain);
    assert.deepEqual(changes, [
      { field: "Environment.DATABASE_URL", secret: "removed" },
      { field: "Environment.LETSGO_SECRETS_PATH", from: undefined, to: "/p/" },
      { field: "Environment.LOG_LEVEL", from: "info", to: "debug" },
    ]);
    const text = formatPlan(planWith(changes)).join("\n");
    assert.match(text, /Environment\.DATABASE_URL: \(secret, removed\)/);
    assert.match(text, /Environment\.LOG_LEVEL: info → debug/);
    assert.ok(!text.includes("SuperSecretDbPass99"));
  });

  it("--json carries a secret's field and what happened, never a value, whatever the change held", () => {
    const leaky = { field: "DATABASE_URL", secret: "changed", from: SECRET, to: NEW_SECRET } as FieldChange;
    const json = JSON.stringify(planToJson(planWith([leaky, { field: "Timeout", from: 3, to: 60 }])));
    assert.ok(!json.includes("DbPass"), json);
    assert.deepEqual(planToJson(planWith([leaky])).steps[0]!.changes, [{ field: "DATABASE_URL", secret: "changed" }]);
    assert.equal(formatChange(leaky), "DATABASE_URL: (secret, changed)");
  });

  it("takes secret values out of an AWS error that quotes the request", () => {
    const error = Object.assign(new Error(`1 validation error detected: Value '${SECRET}' at 'value' failed to satisfy constraint`), {
      name: "ValidationException",
      Message: `Value '${SECRET}' is too long`,
      $metadata: { httpStatusCode: 400 },
    });
    const same = redactSecrets(error, [SECRET, "abc"]);
    assert.equal(same, error, "the same error, so it is still recognised as AWS's");
    assert.equal(error.message, "1 validation error detected: Value '(secret)' at 'value' failed to satisfy constraint");
    assert.equal(error.Message, "Value '(secret)' is too long");
    assert.ok(!error.stack!.includes("SuperSecret"));
    assert.ok(isAwsFailure(error));
    const quoted = redactSecrets(new Error(`Value ${JSON.stringify('say "hi"\nplease')} refused`), ['say "hi"\nplease']);
    assert.equal(quoted.message, 'Value "(secret)" refused', "also as JSON escapes it");
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
