import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { linkProjectDependencies, runCli, tempDir, typecheck } from "./support/cli.ts";
import { envToRecord } from "../src/project/dotenv.ts";
import { STRIPE_EVENT_TYPES, stripeHandlerName } from "../src/project/stripeEvents.ts";
import { SETTING_KEYS } from "../src/project/settings.ts";

/** Every file under dir (except node_modules) with its bytes, to prove "nothing changed". */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || full.includes(`${path.sep}node_modules${path.sep}`)) continue;
    files.set(path.relative(dir, full), await readFile(full, "latin1"));
  }
  return files;
}

describe("Command: init", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it("scaffolds the LetsGo worker layout with --yes and prints the next commands", async () => {
    const result = await runCli(["init", dir, "--yes"]);
    assert.equal(result.code, 0, result.stderr);
    for (const file of [
      "apps/worker/src/index.ts",
      "apps/worker/src/server.ts",
      "apps/worker/src/api.ts",
      "apps/worker/src/handlers/index.ts",
      "apps/worker/src/handlers/stripeHandler.ts",
      "apps/worker/src/handlers/scheduledEventHandler.ts",
      "apps/worker/src/handlers/contactHandler.ts",
      "apps/worker/src/handlers/tenantNewHandler.ts",
      "apps/worker/src/handlers/tenantDeletedHandler.ts",
      "apps/worker/.env",
      "apps/worker/.env.example",
      "apps/worker/package.json",
      "apps/worker/tsconfig.json",
      "packages/types/index.ts",
      "packages/types/package.json",
      "packages/queue/index.ts",
      "packages/queue/package.json",
      "packages/queue/payloadSchemas.ts", // generated from packages/types/index.ts
      ...STRIPE_EVENT_TYPES.map((type) => `apps/worker/src/handlers/stripe/${stripeHandlerName(type)}.ts`),
    ]) {
      await readFile(path.join(dir, file)); // throws if missing
    }
    assert.match(result.stdout, /letsgo-worker dev/);
    const root = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    assert.deepEqual(root.workspaces, ["apps/*", "packages/*"]);
    const gitignore = await readFile(path.join(dir, ".gitignore"), "utf8");
    assert.match(gitignore, /^apps\/worker\/\.env$/m);
    assert.match(gitignore, /^apps\/worker\/\.letsgo\/$/m);
  });

  it("writes every setting with its default, and a private key only into .env", async () => {
    const env = envToRecord(await readFile(path.join(dir, "apps/worker/.env"), "utf8"));
    const example = envToRecord(await readFile(path.join(dir, "apps/worker/.env.example"), "utf8"));
    for (const key of SETTING_KEYS) assert.ok(key in example, `${key} missing from .env.example`);
    assert.equal(env.LETSGO_WORKER_SCHEDULE, "rate(1 hour)");
    assert.equal(env.LETSGO_WORKER_VISIBILITY_TIMEOUT, "360");
    assert.match(env.LETSGO_WORKER_PRIVATE_KEY ?? "", /"d"/, "init generates a key for a new project");
    assert.equal(example.LETSGO_WORKER_PRIVATE_KEY, "");
  });

  it("keeps existing files on a second run and replaces them only with --force, naming each", async () => {
    const index = path.join(dir, "apps/worker/src/index.ts");
    const original = await readFile(index, "utf8");
    await writeFile(index, "// my edits\n" + original);
    const again = await runCli(["init", dir, "--yes"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(index, "utf8"), "// my edits\n" + original);
    assert.match(again.stderr, /kept/);

    const forced = await runCli(["init", dir, "--yes", "--force", "--no-keys"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /replaced\s+apps\/worker\/src\/index\.ts/);
    assert.equal(await readFile(index, "utf8"), original);
  });

  it("amends an existing package.json without losing its fields", async () => {
    const { dir: other, cleanup: done } = await tempDir();
    try {
      await writeFile(path.join(other, "package.json"), JSON.stringify({ name: "my-app", scripts: { dev: "next dev" } }, null, 4) + "\n");
      const result = await runCli(["init", other, "--yes", "--deployment", "staging", "--schedule", "cron(0 9 ? * MON-FRI *)"]);
      assert.equal(result.code, 0, result.stderr);
      const pkg = JSON.parse(await readFile(path.join(other, "package.json"), "utf8"));
      assert.deepEqual(pkg, { name: "my-app", scripts: { dev: "next dev" }, workspaces: ["apps/*", "packages/*"] });
      const env = envToRecord(await readFile(path.join(other, "apps/worker/.env"), "utf8"));
      assert.equal(env.LETSGO_DEPLOYMENT, "staging");
      assert.equal(env.LETSGO_WORKER_SCHEDULE, "cron(0 9 ? * MON-FRI *)");
    } finally {
      await done();
    }
  });

  for (const [what, flags, message, expectedCode] of [
    ["an invalid deployment name", ["--deployment", "Bad Name"], /Deployment name "Bad Name"/],
    ["a schedule EventBridge would reject (a Unix crontab line)", ["--schedule", "cron(0 0 * * 1)"], /cron\(0 0 \* \* 1\)/],
    ["an unknown time zone", ["--timezone", "Mars/Olympus"], /Mars\/Olympus/],
    ["a word that is no AWS region", ["--region", "myapp"], /--region: "myapp" is not an AWS region/],
    ["an AWS pseudo-region that hosts no function", ["--region", "aws-global"], /"aws-global" is not an AWS region/],
    ["an architecture Lambda does not run", ["--architecture", "x86"], /--architecture must be arm64 or x86_64/, 2],
    ["a --dev-retries choice there is not", ["--dev-retries", "fast"], /--dev-retries must be quick or deployed/, 2],
  ] as const) {
    it(`rejects ${what} and writes nothing`, async () => {
      const { dir: other, cleanup: done } = await tempDir();
      try {
        const result = await runCli(["init", other, "--yes", ...flags]);
        assert.equal(result.code, expectedCode ?? 1, result.stderr);
        assert.match(result.stderr, message);
        assert.deepEqual(await readdir(other), []);
      } finally {
        await done();
      }
    });
  }
});

describe("Command: init, regions", () => {
  it("keeps a region this AWS SDK does not list yet but that has a region's shape, and says so", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const result = await runCli(["init", dir, "--yes", "--no-keys", "--region", "ap-nowhere-9"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /ap-nowhere-9 is not among the regions this AWS SDK knows; kept/);
      assert.equal(envToRecord(await readFile(path.join(dir, "apps/worker/.env"), "utf8")).LETSGO_WORKER_REGION, "ap-nowhere-9");
      const known = await runCli(["init", path.join(dir, "known"), "--yes", "--no-keys", "--region", "eu-central-2"]);
      assert.equal(known.code, 0, known.stderr);
      assert.doesNotMatch(known.stderr, /not among the regions/);
    } finally {
      await cleanup();
    }
  });
});

describe("Command: add-message (end to end on a scaffolded project)", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    assert.equal((await runCli(["init", dir, "--yes"])).code, 0);
    await linkProjectDependencies(dir);
  });
  after(() => cleanup());

  it("the fresh scaffold typechecks with tsc --noEmit", async () => {
    const result = await typecheck(path.join(dir, "apps/worker/tsconfig.json"));
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it("adds the enum member, interface, handler stub and registration; the project still typechecks", async () => {
    const result = await runCli(["add-message", "OrderNew", "--field", "orderId:string", "--field", "customerId:string", "--cwd", dir]);
    assert.equal(result.code, 0, result.stderr);
    const types = await readFile(path.join(dir, "packages/types/index.ts"), "utf8");
    assert.match(types, /OrderNew = "OrderNew"/);
    assert.match(types, /export interface OrderNewMessage extends Message \{\n  type: MessageType\.OrderNew;\n  payload: \{\n    orderId: string;\n    customerId: string;\n  \};\n\}/);
    const stub = await readFile(path.join(dir, "apps/worker/src/handlers/orderNewHandler.ts"), "utf8");
    assert.match(stub, /export const orderNewHandler: MessageHandler<OrderNewMessage>/);
    const index = await readFile(path.join(dir, "apps/worker/src/handlers/index.ts"), "utf8");
    assert.match(index, /import \{ orderNewHandler \} from "\.\/orderNewHandler";/);
    assert.match(index, /\[MessageType\.OrderNew\]: orderNewHandler/);
    assert.match(index, /\* A message whose type has no handler here is not dropped/, "user comments are kept");
    assert.match(types, /export interface OrderNewMessage extends Message \{[^}]*\}[^}]*\}\n\n\/\*\*\n \* Every message the worker handles/, "declared just above WorkerMessage");
    assert.match(types, /export type WorkerMessage = ContactMessage \| StripeMessage \| TenantNewMessage \| TenantDeletedMessage \| OrderNewMessage;/);

    // The app's enqueue() checks the new payload too: the generated shapes know it.
    const shapes = await readFile(path.join(dir, "packages/queue/payloadSchemas.ts"), "utf8");
    assert.match(shapes, /^\/\/ Generated by letsgo-worker from packages\/types\/index\.ts: do not edit\./);
    assert.match(shapes, /"OrderNew": \{\n\s+"declaredAs": "OrderNewMessage"/);

    const check = await typecheck(path.join(dir, "apps/worker/tsconfig.json"));
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it("the handler stub sees typed payload fields (a wrong field name fails tsc)", async () => {
    const stubPath = path.join(dir, "apps/worker/src/handlers/orderNewHandler.ts");
    const stub = await readFile(stubPath, "utf8");
    await writeFile(stubPath, stub.replace('console.log("OrderNew", message.payload);', "const id: string = message.payload.orderIdd;"));
    const check = await typecheck(path.join(dir, "apps/worker/tsconfig.json"));
    await writeFile(stubPath, stub);
    assert.notEqual(check.code, 0);
    assert.match(check.stdout, /orderIdd/);
  });

  it("an app's enqueue() from @letsgo/queue is typed with every message: a right payload compiles, a wrong one fails tsc", async () => {
    const web = path.join(dir, "apps/web");
    await mkdir(path.join(web, "src"), { recursive: true });
    await writeFile(path.join(web, "tsconfig.json"), await readFile(path.join(dir, "apps/worker/tsconfig.json"), "utf8"));
    const send = (payload: string) =>
      writeFile(
        path.join(web, "src/send.ts"),
        [
          'import { enqueue, EnqueueError } from "@letsgo/queue";',
          'import { MessageType } from "@letsgo/types";',
          "export async function send(): Promise<string> {",
          `  const [id] = await enqueue({ type: MessageType.OrderNew, payload: ${payload} });`,
          '  await enqueue([{ type: MessageType.Contact, payload: { email: "a@b.c", message: "hi" } }], { delaySeconds: 30 });',
          "  return id ?? String(EnqueueError);",
          "}",
          "",
        ].join("\n"),
      );
    await send('{ orderId: "o_1", customerId: "c_1" }');
    const good = await typecheck(path.join(web, "tsconfig.json"));
    assert.equal(good.code, 0, good.stdout + good.stderr);
    await send('{ orderId: "o_1", customerIdd: "c_1" }');
    const bad = await typecheck(path.join(web, "tsconfig.json"));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout, /customerIdd/);
  });

  it("list-messages reports each type and whether a handler is registered, also as JSON", async () => {
    const table = await runCli(["list-messages", "--cwd", dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /OrderNew\s+registered/);
    assert.match(table.stdout, /letsgo:contact\s+registered/);
    assert.doesNotMatch(table.stdout, /\bnone\b/, "init registers a handler for every reserved type it declares");
    const json = await runCli(["list-messages", "--cwd", dir, "--json"]);
    const types = JSON.parse(json.stdout) as Array<{ type: string; handled: boolean; reserved: boolean }>;
    assert.deepEqual(
      types.map((t) => [t.type, t.handled, t.reserved]),
      [
        ["letsgo:contact", true, true],
        ["letsgo:stripe", true, true],
        ["letsgo:tenant:new", true, true],
        ["letsgo:tenant:deleted", true, true],
        ["OrderNew", true, false],
      ],
    );
  });

  it("accepts fields built from JSON shapes and types @letsgo/types declares; the project still typechecks", async () => {
    const result = await runCli([
      "add-message", "Shipment",
      "--field", "items:Array<{ sku: string; qty: number }>",
      "--field", "kind:MessageType",
      "--field", "meta?:Record<string, unknown> | null",
      "--cwd", dir,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const check = await typecheck(path.join(dir, "apps/worker/tsconfig.json"));
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it("--dry-run prints the change and writes nothing", async () => {
    const before = await snapshot(dir);
    const result = await runCli(["add-message", "OrderShipped", "--field", "trackingId:string", "--cwd", dir, "--dry-run"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\+\s+OrderShipped = "OrderShipped"/);
    assert.match(result.stdout, /create apps\/worker\/src\/handlers\/orderShippedHandler\.ts/);
    assert.deepEqual(await snapshot(dir), before);
  });

  const badInputs: Array<[string, string[], RegExp]> = [
    ["a name that is not PascalCase", ["add-message", "order-new"], /not a PascalCase identifier/],
    ["a lower-case name", ["add-message", "orderNew"], /not a PascalCase identifier/],
    ["a reserved type value", ["add-message", "Contact2", "--type", "letsgo:contact2"], /reserved/],
    ["a type value with characters that do not belong in code", ["add-message", "Quoted", "--type", 'a"b${x}`'], /must be 1-80 letters/],
    ["a name that already exists", ["add-message", "OrderNew"], /already exists/],
    ["a type value already declared", ["add-message", "OrderCreated", "--type", "OrderNew"], /already declared/],
    ["a malformed --field", ["add-message", "OrderPaid", "--field", "amount"], /must look like name:type/],
    ["a --field with a bad type", ["add-message", "OrderPaid", "--field", "amount:num ber"], /is not a TypeScript type/],
    ["a duplicated --field", ["add-message", "OrderPaid", "--field", "a:string", "--field", "a:number"], /given twice/],
    ["a --field type that is a typo", ["add-message", "OrderPaid", "--field", "a:strin"], /"strin" is not a type in scope of @letsgo\/types \(did you mean string\?\)/],
    ["a --field type not declared anywhere", ["add-message", "OrderPaid", "--field", "a:Money"], /"Money" is not a type in scope.*declare Money in packages\/types\/index\.ts/],
    ["a --field type JSON cannot carry (Date)", ["add-message", "OrderPaid", "--field", "when:Date"], /a Date arrives as an ISO string: use string/],
    ["a --field type JSON cannot carry (nested Map)", ["add-message", "OrderPaid", "--field", "m:{ byId: Map<string, number> }"], /a Map arrives as \{\}/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`rejects ${what}: non-zero exit, files byte-for-byte unchanged`, async () => {
      const before = await snapshot(dir);
      const result = await runCli([...args, "--cwd", dir]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      assert.deepEqual(await snapshot(dir), before);
    });
  }

  it("rejects a project with no worker and says to run init", async () => {
    const { dir: empty, cleanup: done } = await tempDir();
    try {
      const result = await runCli(["add-message", "OrderNew", "--cwd", empty]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /letsgo-worker init/);
      assert.deepEqual(await readdir(empty), []);
    } finally {
      await done();
    }
  });
});
