/**
 * The bundle's secret guard (src/image/secretGuard.ts): what counts as a secret,
 * how values hide in a bundle (escapes, URL parts, JWK members), private keys,
 * the files read besides the bundle; then eight secrets planted in a real worker
 * the way users paste them, each refused by name and file, never by value.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ProjectError } from "../src/errors.js";
import { bundleWorker } from "../src/image/bundle.js";
import { buildImage } from "../src/image/build.js";
import { contextFiles } from "../src/image/context.js";
import { DEFAULT_BASE_IMAGE } from "../src/image/dockerfile.js";
import {
  assertNoSecrets,
  findLeaks,
  isTriviallyCommon,
  needlesOf,
  privateKeysIn,
  projectFiles,
  secretValues,
  unescapeLiterals,
} from "../src/image/secretGuard.js";
import { setEnvValues } from "../src/project/dotenv.js";
import { defaultSettings, loadSettings } from "../src/project/settings.js";
import { scaffoldWorker, writeFixtureWorker } from "./support/docker.js";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-guard-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writeProjectFile(dir: string, name: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
  await writeFile(path.join(dir, name), text);
}

const ecKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const PEM = ecKey().export({ type: "pkcs8", format: "pem" }).toString();
const JWK = ecKey().export({ format: "jwk" }) as { kty: string; crv: string; x: string; y: string; d: string };

/** Every kind of secret a worker's .env holds, and one plain variable. */
const ENV: Record<string, string> = {
  DATABASE_URL: "postgres://admin:SuperSecretDbPass99@db.example.com:5432/shop",
  OPENAI_APIKEY: "sk-proj-T3stKey0123456789abcdefXYZ",
  SMTP_PASS: "smtp-Pass-4c7d9e2f1a",
  TWILIO_AUTH: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
  ENCRYPTION_KEY_1: "clé-secrète-ÄÖÜ-2024",
  STRIPE_WEBHOOK_SECRET: "whsec_letsgoEnvCanary0123456789",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
  LETSGO_WORKER_PRIVATE_KEY: PEM,
  LETSGO_WORKER_PLAIN_ENV: "PUBLIC_SITE_URL",
  PUBLIC_SITE_URL: "https://shop.example.com/catalogue",
};
/** What must never appear in a refusal. */
const NEVER_PRINTED = [...Object.entries(ENV).filter(([key]) => key !== "PUBLIC_SITE_URL" && key !== "LETSGO_WORKER_PLAIN_ENV").map(([, value]) => value), "SuperSecretDbPass99", JWK.d, PEM.split("\n")[1]!];

describe("Function: secretValues", () => {
  it("applies the deploy rule: the worker's secret settings and every variable of the user's own not listed as plain", () => {
    const values = { ...defaultSettings(), LETSGO_API_URL: "https://api.example.com", STRIPE_WEBHOOK_SECRET: "whsec_x1234567", ...{ SHOP_NAME: "acme", LOG_LEVEL: "debug", EMPTY: "" }, LETSGO_WORKER_PLAIN_ENV: "LOG_LEVEL" };
    assert.deepEqual(secretValues(values), { STRIPE_WEBHOOK_SECRET: "whsec_x1234567", SHOP_NAME: "acme" });
  });
});

describe("Function: needlesOf / isTriviallyCommon", () => {
  it("skips values under 8 characters, single words and numbers under 16", () => {
    for (const value of ["", "on", "secret7", "production", "localhost", "majority", "5432", "86400000", "3.14159265"]) assert.ok(isTriviallyCommon(value), value);
    for (const value of ["correcthorsebatterystaple", "Tr0ub4dor&3", "sk-123456", "1234567890123456", "p@ss/word"]) assert.ok(!isTriviallyCommon(value), value);
  });

  it("looks for a URL's password, as written and decoded, or its user name when it has no password", () => {
    const texts = (key: string, value: string) => needlesOf(key, value).map((n) => [n.text, n.what]);
    assert.deepEqual(texts("DATABASE_URL", "postgres://admin:Super%40Secret99@db:5432/app"), [
      ["postgres://admin:Super%40Secret99@db:5432/app", "the value of DATABASE_URL"],
      ["Super%40Secret99", "the password in DATABASE_URL"],
      ["Super@Secret99", "the password in DATABASE_URL"],
    ]);
    assert.deepEqual(texts("SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2").slice(1), [["0123456789abcdef0123456789abcdef", "the user name in SENTRY_DSN"]]);
    assert.deepEqual(texts("REDIS_URL", "redis://:shortpw@cache:6379").length, 1, "a password under 8 characters is not looked for alone");
    assert.deepEqual(texts("MONGODB_URI", "mongodb+srv://app:M0ngoPassw0rd@cluster0.x.mongodb.net/db?retryWrites=true&w=majority").map(([t]) => t).slice(1), ["M0ngoPassw0rd"]);
  });

  it("looks for a JWK's private member and a PEM's first body line", () => {
    assert.ok(needlesOf("KEY", JSON.stringify(JWK)).some((n) => n.text === JWK.d && n.what === 'the private part ("d") of KEY'));
    assert.ok(needlesOf("KEY", PEM).some((n) => n.text === PEM.split("\n")[1] && n.what === "part of KEY"));
  });
});

describe("Function: unescapeLiterals", () => {
  it("reads JS and JSON escapes as their characters", () => {
    assert.equal(unescapeLiterals(String.raw`'cl\xE9 \u00e9 \u{1F511} \"q\" \'s\' \n \\ \/'`), `'clé é 🔑 "q" 's' \n \\ /'`);
  });
});

describe("Function: privateKeysIn", () => {
  const body = PEM.split("\n").slice(1, -2).join("\n");
  const cases: Array<{ title: string; text: string; found: string[] }> = [
    { title: "a PEM block", text: `const k = \`${PEM}\`;`, found: ["a PEM private key"] },
    { title: "a PEM as a string with \\n escapes", text: `const k = ${JSON.stringify(PEM)};`, found: ["a PEM private key"] },
    { title: "a PEM built from concatenated lines", text: `const k = "-----BEGIN PRIVATE KEY-----\\n" +\n  ${body.split("\n").map((l) => JSON.stringify(l + "\n")).join(" +\n  ")} +\n  "-----END PRIVATE KEY-----";`, found: ["a PEM private key"] },
    { title: "an RSA PEM", text: `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`, found: ["a PEM private key"] },
    { title: "a JWK as JSON", text: JSON.stringify(JWK), found: ['a private JWK (an object with a "d" member)'] },
    { title: "a JWK as a JS object literal", text: `const key = {\n  kty: 'EC',\n  crv: "P-256",\n  x: "${JWK.x}",\n  y: "${JWK.y}",\n  d: "${JWK.d}",\n};`, found: ['a private JWK (an object with a "d" member)'] },
    { title: "a JWK as esbuild minifies it", text: `var s={kty:"EC",crv:"P-256",x:"${JWK.x}",y:"${JWK.y}",d:"${JWK.d}"},G=()=>s;`, found: ['a private JWK (an object with a "d" member)'] },
    { title: "a JWK as JSON inside a JS string", text: `const k = ${JSON.stringify(JSON.stringify(JWK))};`, found: [] },
    { title: "a public JWK", text: JSON.stringify({ ...JWK, d: undefined }), found: [] },
    { title: "a `d` that is not in a JWK", text: `const point = { x: 1, d: "abcdefghijklmnopqrstuvwxyz" };`, found: [] },
    { title: "code that tests for PEM markers", text: `if (pem.startsWith("-----BEGIN PRIVATE KEY-----")) body = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace(/\\s+/g, "").replace("-----END PRIVATE KEY-----", "");`, found: [] },
    { title: "a public PEM", text: `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`, found: [] },
  ];
  for (const { title, text, found } of cases) {
    it(`${title}: ${found.length ? found.join(", ") : "nothing"}`, () => {
      assert.deepEqual(privateKeysIn(text), found);
    });
  }

  it("finds the JWK inside a JS string once its escapes are read", () => {
    assert.deepEqual(privateKeysIn(unescapeLiterals(JSON.stringify(JSON.stringify(JWK)))), ['a private JWK (an object with a "d" member)']);
  });
});

describe("Function: findLeaks", () => {
  it("finds a value as written, escaped by esbuild or JSON, and names the file and variable once", () => {
    const secrets = { ENCRYPTION_KEY_1: ENV.ENCRYPTION_KEY_1!, DATABASE_URL: ENV.DATABASE_URL!, PASSPHRASE: "correct horse battery staple" };
    const files = [
      { name: "index.mjs", data: Buffer.from(`var e={k:"cl\\xE9-secr\\xE8te-\\xC4\\xD6\\xDC-2024"};`) },
      { name: "data.json", data: Buffer.from(`{"k": "cl\\u00e9-secr\\u00e8te-\\u00c4\\u00d6\\u00dc-2024", "url": "${ENV.DATABASE_URL}"}`) },
      { name: "clean.ts", data: Buffer.from('const host = "db.example.com"; const env = "production";') },
    ];
    assert.deepEqual(findLeaks(secrets, files), [
      { file: "index.mjs", what: "the value of ENCRYPTION_KEY_1" },
      { file: "data.json", what: "the value of ENCRYPTION_KEY_1" },
      { file: "data.json", what: "the value of DATABASE_URL" },
    ]);
  });
});

describe("Function: projectFiles", () => {
  it("reads the project's inputs and the files their source names, leaving out node_modules, .env files and what is outside", async (t) => {
    const dir = await tempDir(t);
    await writeProjectFile(dir, "apps/worker/src/index.ts", 'const a = new URL("./data.json", import.meta.url); const b = "assets/note.txt"; const c = "./missing.json"; const d = "../.env";');
    await writeProjectFile(dir, "apps/worker/src/data.json", "{}");
    await writeProjectFile(dir, "apps/worker/src/assets/note.txt", "x");
    await writeProjectFile(dir, "apps/worker/.env", "A=1");
    await writeProjectFile(dir, "node_modules/x/index.js", "x");
    const files = await projectFiles(dir, ["apps/worker/src/index.ts", "node_modules/x/index.js", "../elsewhere/runtime.ts", "apps/worker/src/data.json"]);
    assert.deepEqual(files.map((f) => f.name), ["apps/worker/src/index.ts", "apps/worker/src/data.json", "apps/worker/src/assets/note.txt"]);
  });
});

/**
 * A fixture worker with ENV in apps/worker/.env and the case's files; then what
 * `build` checks before any image exists: the build context's files and the
 * project files the bundle loads.
 */
async function guardProject(dir: string, files: Record<string, string>): Promise<void> {
  await writeFixtureWorker(dir);
  await writeProjectFile(dir, "apps/worker/.env", setEnvValues("LETSGO_DEPLOYMENT=fixture\n", ENV));
  for (const [name, text] of Object.entries(files)) await writeProjectFile(dir, name, text);
  const { settings, extra, envFile } = await loadSettings(dir, {}, {});
  assert.equal(extra.DATABASE_URL, ENV.DATABASE_URL, "the .env reads back");
  assert.equal(settings.LETSGO_WORKER_PRIVATE_KEY, PEM);
  const bundle = await bundleWorker({ cwd: dir });
  const image = contextFiles({ baseImage: DEFAULT_BASE_IMAGE, bundle: bundle.code, sourceMap: bundle.sourceMap, labels: { "letsgo.deployment": "fixture" } });
  assertNoSecrets({ ...settings, ...extra }, [...image, ...bundle.loaded], envFile);
}

const ORDER = "apps/worker/src/handlers/order.ts";
/** The fixture's order handler with `lines` at the top and `use` inside, so the minifier keeps what is pasted. */
const orderHandler = (lines: string[], use: string) =>
  [...lines, "export async function handleOrder(payload: { orderId: string }): Promise<void> {", `  ${use}`, '  if (payload.orderId === "bad") throw new Error("bad");', "}", ""].join("\n");

const PLANTED: Array<{ title: string; files: Record<string, string>; refused: string[] }> = [
  {
    title: "a database URL's password pasted in source",
    files: { [ORDER]: orderHandler(['const db = { host: "db.example.com", user: "admin", password: "SuperSecretDbPass99" };'], "console.log(db.host, db.password.length);") },
    refused: [`${ORDER} contains the password in DATABASE_URL`, "index.mjs contains the password in DATABASE_URL"],
  },
  {
    title: "an API key pasted in source",
    files: { [ORDER]: orderHandler(['const headers = { authorization: "Bearer sk-proj-T3stKey0123456789abcdefXYZ" };'], 'await fetch("https://api.openai.com/v1/models", { headers });') },
    refused: [`${ORDER} contains the value of OPENAI_APIKEY`, "index.mjs contains the value of OPENAI_APIKEY"],
  },
  {
    title: "a private JWK pasted as an object literal",
    files: { [ORDER]: orderHandler([`const signingKey = {\n  kty: "EC",\n  crv: "P-256",\n  x: "${JWK.x}",\n  y: "${JWK.y}",\n  d: "${JWK.d}",\n};`], "console.log(signingKey.kty);") },
    refused: [`${ORDER} contains a private JWK (an object with a "d" member)`, 'index.mjs contains a private JWK (an object with a "d" member)'],
  },
  {
    title: "a secret in a .txt the bundle imports (esbuild's text loader inlines it)",
    files: { "apps/worker/src/handlers/twilio.txt": `${ENV.TWILIO_AUTH}\n`, [ORDER]: orderHandler(['import twilioAuth from "./twilio.txt";'], "console.log(twilioAuth.length);") },
    refused: ["apps/worker/src/handlers/twilio.txt contains the value of TWILIO_AUTH", "index.mjs contains the value of TWILIO_AUTH"],
  },
  {
    title: "a secret in a .json the bundle reads at run time (not bundled: the file itself is checked)",
    files: {
      "apps/worker/src/handlers/smtp.json": JSON.stringify({ host: "smtp.example.com", pass: ENV.SMTP_PASS }),
      [ORDER]: orderHandler(['import { readFileSync } from "node:fs";'], 'console.log(JSON.parse(readFileSync(new URL("./smtp.json", import.meta.url), "utf8")).host);'),
    },
    refused: ["apps/worker/src/handlers/smtp.json contains the value of SMTP_PASS"],
  },
  {
    title: "the Stripe webhook secret pasted in source",
    files: { [ORDER]: orderHandler(['const webhookSecret = "whsec_letsgoEnvCanary0123456789";'], "console.log(webhookSecret.length);") },
    refused: [`${ORDER} contains the value of STRIPE_WEBHOOK_SECRET`, "index.mjs contains the value of STRIPE_WEBHOOK_SECRET"],
  },
  {
    title: "the worker's PEM private key pasted in source",
    files: { [ORDER]: orderHandler([`const pem = \`${PEM}\`;`], "console.log(pem.length);") },
    refused: [`${ORDER} contains the value of LETSGO_WORKER_PRIVATE_KEY`, `${ORDER} contains a PEM private key`, "index.mjs contains a PEM private key"],
  },
  {
    title: "the Slack webhook URL pasted in source",
    files: { [ORDER]: orderHandler([`const hook = "${ENV.SLACK_WEBHOOK_URL}";`], 'await fetch(hook, { method: "POST" });') },
    refused: [`${ORDER} contains the value of SLACK_WEBHOOK_URL`, "index.mjs contains the value of SLACK_WEBHOOK_URL"],
  },
  {
    title: "(and a non-ASCII secret in a .json the bundle imports, which esbuild escapes)",
    files: { "apps/worker/src/handlers/keys.json": JSON.stringify({ key: ENV.ENCRYPTION_KEY_1 }), [ORDER]: orderHandler(['import keys from "./keys.json";'], "console.log(keys.key.length);") },
    refused: ["apps/worker/src/handlers/keys.json contains the value of ENCRYPTION_KEY_1", "index.mjs contains the value of ENCRYPTION_KEY_1"],
  },
];

describe("Guard: eight planted secrets, each refused", () => {
  for (const { title, files, refused } of PLANTED) {
    it(title, async (t) => {
      // Prepare
      const dir = await tempDir(t);
      // Act + Assess
      await assert.rejects(guardProject(dir, files), (error: unknown) => {
        assert.ok(error instanceof ProjectError, String(error));
        for (const line of refused) assert.ok(error.message.includes(`\n  ${line}`), `${line}\n--- in ---\n${error.message}`);
        for (const value of NEVER_PRINTED) assert.ok(!error.message.includes(value), "no secret value in the message");
        assert.match(error.message, /read them from process\.env at run time/);
        assert.match(error.message, /LETSGO_WORKER_PLAIN_ENV/);
        return true;
      });
    });
  }

  it("lets the same worker through with nothing pasted, and a plain variable's value in source", async (t) => {
    const dir = await tempDir(t);
    await guardProject(dir, { [ORDER]: orderHandler([`const site = "${ENV.PUBLIC_SITE_URL}";`], "console.log(site, process.env.DATABASE_URL);") });
  });

  it("lets the scaffolded worker (runtime, jose, generated key in .env) through with common values in .env: no false alarm", async (t) => {
    const dir = await tempDir(t);
    await scaffoldWorker(dir);
    const envFile = path.join(dir, "apps/worker/.env");
    const common = { NODE_ENV: "production", DB_HOST: "localhost", DB_PORT: "5432", APP_ENV: "development", WRITE_CONCERN: "majority", API_TIMEOUT_MS: "30000" };
    await writeFile(envFile, setEnvValues(await readFile(envFile, "utf8"), { ...common, DATABASE_URL: ENV.DATABASE_URL! }));
    const { settings, extra } = await loadSettings(dir, {}, {});
    const bundle = await bundleWorker({ cwd: dir });
    const image = contextFiles({ baseImage: DEFAULT_BASE_IMAGE, bundle: bundle.code, sourceMap: bundle.sourceMap });
    assert.deepEqual(findLeaks(secretValues({ ...settings, ...extra }), [...image, ...bundle.loaded]), []);
    assert.ok(bundle.loaded.some((f) => f.name === "apps/worker/src/index.ts"), "the project's sources are read");
    assert.ok(bundle.loaded.every((f) => !f.name.includes("node_modules") && !f.name.endsWith(".env")));
  });

  it("build refuses before it needs a Docker engine", async (t) => {
    const dir = await tempDir(t);
    await writeFixtureWorker(dir);
    await writeProjectFile(dir, "apps/worker/.env", setEnvValues("", { DATABASE_URL: ENV.DATABASE_URL! }));
    await writeProjectFile(dir, ORDER, PLANTED[0]!.files[ORDER]!);
    await assert.rejects(buildImage({ cwd: dir, platform: "linux/amd64" }), (error: unknown) => {
      assert.ok(error instanceof ProjectError);
      assert.match(error.message, /contains the password in DATABASE_URL/);
      assert.ok(!error.message.includes("SuperSecretDbPass99"));
      return true;
    });
  });
});
