/**
 * The handler's world under `dev` held against Lambda's, as AWS documents it
 * and as SQS computes it:
 * - process.env: exactly Lambda's documented variables for a Node.js 22
 *   container-image function, the function's configuration, and dev's own
 *   documented few; nothing from the developer's shell unless asked;
 * - the working directory: a task root holding the bundle, as LAMBDA_TASK_ROOT says;
 * - _X_AMZN_TRACE_ID: new for each invocation, in X-Ray's format;
 * - the context's legacy succeed / fail / done end an invocation as Node 22's runtime does;
 * - md5OfMessageAttributes: the MD5 SQS itself reports, with moto as SQS
 *   (generated attributes, seeded), and on the records dev hands the handler.
 */
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { SendMessageCommand, SQSClient, CreateQueueCommand, type MessageAttributeValue } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { DEV_HANDLER_VARIABLES, parsePassEnv } from "../src/dev/pool/handlerWorld.js";
import { md5OfMessageAttributes } from "../src/events/sqs.js";
import { post, useDevWorker, waitForEvent } from "./support/devServer.js";
import { startMoto, TEST_REGION, type Moto } from "./support/moto.js";

/**
 * Lambda's "Defined runtime environment variables" (configuration-envvars):
 * the reserved ones and the unreserved defaults a Node.js function starts with.
 */
const LAMBDA_DOCUMENTED = [
  "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
  "LANG", "PATH", "LD_LIBRARY_PATH", "NODE_PATH",
];

/** Documented, and not given under dev (README, "Fidelity"): why. */
const NOT_UNDER_DEV: Record<string, string> = {
  AWS_ACCESS_KEY: "the role's credentials: a dev handler has none (--aws-credentials gives yours)",
  AWS_ACCESS_KEY_ID: "likewise",
  AWS_SECRET_ACCESS_KEY: "likewise",
  AWS_SESSION_TOKEN: "likewise",
  AWS_LAMBDA_RUNTIME_API: "dev's handler processes take invocations over IPC, not the Runtime API",
};

const ENV_HANDLER = `
import { appendFileSync } from "node:fs";
export async function handler(event) {
  appendFileSync(__LOG__, JSON.stringify({ env: process.env, cwd: process.cwd(), bundle: new URL(import.meta.url).pathname }) + "\\n");
  return { batchItemFailures: [] };
}
`;

interface Seen {
  env: Record<string, string>;
  cwd: string;
  bundle: string;
}

async function seenLines(log: string): Promise<Seen[]> {
  return (await readFile(log, "utf8")).split("\n").filter(Boolean).map((line) => JSON.parse(line) as Seen);
}

describe("the handler's world ≡ Lambda's", () => {
  const dev = useDevWorker();
  const shell: Record<string, string> = { SHELL_ONLY_VAR: "leaked", DATABASE_URL_FROM_SHELL: "postgres://shell", DB_HOST: "db.shell", NODE_OPTIONS: "--trace-warnings", LANG: "de_DE.UTF-8" };
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const [key, value] of Object.entries(shell)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  after(() => {
    for (const key of Object.keys(shell)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("process.env is exactly Lambda's documented variables, the function's configuration and dev's documented few", async () => {
    const project = await dev.project({ handler: ENV_HANDLER, env: { MY_SERVICE_URL: "https://example.test", LETSGO_WORKER_VISIBILITY_TIMEOUT: 120 } });
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    for (const n of [1, 2]) {
      const handled = waitForEvent(worker, "message:handled");
      await post(worker.url, { type: "Env", payload: { n } });
      await handled;
    }
    const [first, second] = await seenLines(project.log);
    const configuration = ["MY_SERVICE_URL", "LETSGO_DEPLOYMENT", ...Object.keys(first!.env).filter((key) => key.startsWith("LETSGO_") && Object.hasOwn(worker.settings, key))];
    const expected = new Set([...LAMBDA_DOCUMENTED.filter((key) => !Object.hasOwn(NOT_UNDER_DEV, key)), ...configuration, ...Object.keys(DEV_HANDLER_VARIABLES)]);
    assert.deepEqual(Object.keys(first!.env).sort(), [...expected].sort());
    for (const key of Object.keys(shell)) assert.notEqual(first!.env[key], shell[key], `${key} from the shell reached the handler`);
    assert.equal(first!.env.LANG, "en_US.UTF-8");

    assert.equal(first!.cwd, first!.env.LAMBDA_TASK_ROOT, "the working directory is the task root");
    assert.ok(first!.bundle.startsWith(`${first!.cwd}/`), "which holds the bundle");

    const trace = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/;
    assert.match(first!.env._X_AMZN_TRACE_ID!, trace);
    assert.match(second!.env._X_AMZN_TRACE_ID!, trace);
    assert.notEqual(first!.env._X_AMZN_TRACE_ID, second!.env._X_AMZN_TRACE_ID, "one trace per invocation");
  });

  it("the shell reaches the handler only as asked: --pass-env names and PREFIX_* patterns", async () => {
    const project = await dev.project({ handler: ENV_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, schedule: false, passEnv: ["SHELL_ONLY_VAR", "DB_*"] });
    const handled = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "Env", payload: {} });
    await handled;
    const [seen] = await seenLines(project.log);
    assert.equal(seen!.env.SHELL_ONLY_VAR, "leaked");
    assert.equal(seen!.env.DB_HOST, "db.shell");
    assert.equal(seen!.env.DATABASE_URL_FROM_SHELL, undefined, "not asked for");
    assert.equal(seen!.env.NODE_OPTIONS, undefined);
  });
});

describe("the context's legacy completions, as Node.js 22's runtime has them", () => {
  const dev = useDevWorker();

  it("context.succeed ends the invocation with its result, context.fail and context.done with an error, whatever the handler's promise does", async () => {
    const project = await dev.project({
      handler: `
export function handler(event, context) {
  const { how } = JSON.parse(event.Records[0].body).payload;
  if (how === "succeed") context.succeed({ batchItemFailures: [] });
  if (how === "fail") context.fail(new Error("failed through context.fail"));
  if (how === "done") context.done(new Error("failed through context.done"));
  if (how === "callback") return void arguments[2](null, { batchItemFailures: [] });
  return new Promise(() => {}); // never settles: the completion alone ends it
}
`,
      env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 },
    });
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    // Every outcome, by message id, from before the first send: one can come before post() returns.
    const outcomes = new Map<string, string>();
    const settled = new EventEmitter();
    worker.on("message:handled", (o: { id: string }) => void (outcomes.set(o.id, "handled"), settled.emit(o.id)));
    worker.on("message:failed", (o: { id: string; error: string }) => void (outcomes.set(o.id, o.error), settled.emit(o.id)));
    const outcome = async (how: string) => {
      const sent = await post(worker.url, { type: "Complete", payload: { how } });
      const id: string = sent.body.messageIds[0];
      if (!outcomes.has(id)) await once(settled, id);
      return outcomes.get(id)!;
    };
    assert.equal(await outcome("succeed"), "handled");
    assert.match(await outcome("fail"), /failed through context\.fail/);
    assert.match(await outcome("done"), /failed through context\.done/);
    assert.equal(await outcome("callback"), "handled");
  });
});

describe("Function: md5OfMessageAttributes ≡ SQS's MD5OfMessageAttributes", () => {
  let moto: Moto;
  let sqs: SQSClient;
  let queueUrl: string;
  before(async () => {
    moto = await startMoto();
    sqs = new SQSClient({ endpoint: moto.endpoint, region: TEST_REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "md5-oracle" }))).QueueUrl!;
  });
  after(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  const attributeName = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/).filter((name) => !/^(aws\.|amazon\.)/i.test(name) && !name.includes("..") && !name.endsWith("."));
  const attribute = fc.oneof(
    fc.record({ dataType: fc.constantFrom("String", "String.custom"), stringValue: fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" }) }),
    fc.record({ dataType: fc.constantFrom("Number", "Number.int"), stringValue: fc.oneof(fc.integer().map(String), fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 9999 })).map(([whole, part]) => `${whole}.${part}`)) }),
  );

  it("agrees with moto's SQS on 300 generated sets of attributes", async () => {
    const samples = fc.sample(fc.dictionary(attributeName, attribute, { minKeys: 1, maxKeys: 10 }), { seed: 20, numRuns: 300 });
    for (const attributes of samples) {
      const asSent: Record<string, MessageAttributeValue> = Object.fromEntries(Object.entries(attributes).map(([name, { dataType, stringValue }]) => [name, { DataType: dataType, StringValue: stringValue }]));
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x", MessageAttributes: asSent }));
      assert.equal(md5OfMessageAttributes(attributes), sent.MD5OfMessageAttributes, JSON.stringify(attributes));
    }
  });
});

describe("records dev hands the handler carry md5OfMessageAttributes", () => {
  const dev = useDevWorker();

  it("present with attributes, equal to SQS's MD5 of them; absent without", async () => {
    const project = await dev.project({
      handler: `
import { appendFileSync } from "node:fs";
export async function handler(event) {
  for (const record of event.Records) appendFileSync(__LOG__, JSON.stringify(record) + "\\n");
  return { batchItemFailures: [] };
}
`,
    });
    const worker = await dev.worker({ projectDir: project.dir, schedule: false });
    const handled = waitForEvent(worker, "message:handled");
    await post(worker.url, { Records: [{ body: JSON.stringify({ type: "A", payload: {} }), messageAttributes: { tenant: { dataType: "String", stringValue: "acme" }, priority: { dataType: "Number", stringValue: "3" } } }] });
    await handled;
    const plain = waitForEvent(worker, "message:handled");
    await post(worker.url, { type: "B", payload: {} });
    await plain;
    const [withAttributes, without] = (await readFile(project.log, "utf8")).split("\n").filter(Boolean).map((line) => JSON.parse(line));
    assert.equal(withAttributes.md5OfMessageAttributes, md5OfMessageAttributes(withAttributes.messageAttributes));
    assert.equal(withAttributes.md5OfMessageAttributes, md5OfMessageAttributes({ tenant: { dataType: "String", stringValue: "acme" }, priority: { dataType: "Number", stringValue: "3" } }));
    assert.equal("md5OfMessageAttributes" in without, false);
  });
});

describe("Function: parsePassEnv", () => {
  it("takes names and PREFIX_* patterns, repeated or comma-separated", () => {
    assert.deepEqual(parsePassEnv(["DATABASE_URL,DB_*", " STRIPE_KEY "]), ["DATABASE_URL", "DB_*", "STRIPE_KEY"]);
  });
  it("refuses what a deployed function could not have from the shell either, saying why", () => {
    assert.throws(() => parsePassEnv(["TZ"]), /Lambda sets TZ itself/);
    assert.throws(() => parsePassEnv(["AWS_PROFILE"]), /--aws-credentials/);
    assert.throws(() => parsePassEnv(["*"]), /names or PREFIX_\* patterns/);
    assert.throws(() => parsePassEnv(["A-B"]), /names or PREFIX_\* patterns/);
  });
});
