import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultSettings, isSecretKey, loadSettings, plainEnvKeys, QUICK_DEV_RETRIES, renderEnvFile, resolveSettings } from "../src/project/settings.ts";
import { envToRecord, parseEnv, setEnvValues } from "../src/project/dotenv.ts";
import { SettingsError } from "../src/errors.ts";
import { tempDir } from "./support/cli.ts";

describe("Function: parseEnv / setEnvValues", () => {
  it("reads bare, quoted and escaped values", () => {
    const text = [
      "# comment",
      "A=plain value # trailing comment",
      "export B='single # kept'",
      'C="line1\\nline2 \\"q\\""',
      "D=",
      "not a setting",
    ].join("\n");
    assert.deepEqual(envToRecord(text), { A: "plain value", B: "single # kept", C: 'line1\nline2 "q"', D: "" });
    assert.deepEqual(parseEnv(text).map((e) => e.line), [2, 3, 4, 5]);
  });

  it("sets keys in place, appends new ones and keeps every other byte", () => {
    const text = "# keep me\nA=1\n\nB=2 # note\n";
    const out = setEnvValues(text, { B: "two words", C: '{"kty":"EC"}' });
    assert.equal(out, "# keep me\nA=1\n\nB='two words'\nC='{\"kty\":\"EC\"}'\n");
    assert.deepEqual(envToRecord(out), { A: "1", B: "two words", C: '{"kty":"EC"}' });
  });

  it("round-trips values with newlines and both quote kinds", () => {
    const value = "-----BEGIN\nit's \"x\" \\ y\n-----END";
    assert.equal(envToRecord(setEnvValues("", { K: value })).K, value);
  });
});

describe("Function: isSecretKey", () => {
  const plain = new Set(["LOG_LEVEL", "FEATURE_X"]);

  it("makes every variable of the user's own a secret, whatever its name, unless LETSGO_WORKER_PLAIN_ENV lists it", () => {
    for (const key of ["DATABASE_URL", "REDIS_URL", "MONGODB_URI", "OPENAI_APIKEY", "SMTP_PASS", "SENTRY_DSN", "ENCRYPTION_KEY_1", "PASSPHRASE", "TWILIO_AUTH", "SHOP_NAME", "log_level"]) {
      assert.ok(isSecretKey(key, plain), key);
    }
    for (const key of ["LOG_LEVEL", "FEATURE_X"]) assert.ok(!isSecretKey(key, plain), key);
  });

  it("keeps the worker's own settings as declared: only the three secret settings are secrets", () => {
    for (const key of ["STRIPE_WEBHOOK_SECRET", "LETSGO_WORKER_PRIVATE_KEY", "SLACK_WEBHOOK_URL"]) {
      assert.ok(isSecretKey(key, new Set()), key);
      assert.ok(isSecretKey(key, new Set([key])), `${key}, even listed`);
    }
    for (const key of ["LETSGO_API_URL", "LETSGO_DEPLOYMENT", "LETSGO_API_AUDIENCE", "LETSGO_WORKER_MEMORY", "LETSGO_WORKER_PLAIN_ENV"]) assert.ok(!isSecretKey(key, new Set()), key);
  });
});

describe("Setting: LETSGO_WORKER_PLAIN_ENV", () => {
  it("is a deploy setting, empty by default, read as comma-separated names", () => {
    assert.equal(defaultSettings().LETSGO_WORKER_PLAIN_ENV, "");
    assert.deepEqual([...plainEnvKeys({ LETSGO_WORKER_PLAIN_ENV: " LOG_LEVEL, FEATURE_X,,  " })], ["LOG_LEVEL", "FEATURE_X"]);
    assert.deepEqual([...plainEnvKeys(defaultSettings())], []);
    assert.match(renderEnvFile(), /# Comma-separated names of your own \.env variables .*\nLETSGO_WORKER_PLAIN_ENV=\n/);
  });

  it("refuses a list naming a secret setting of the worker, with where it came from", async () => {
    assert.throws(
      () => resolveSettings({ LETSGO_WORKER_PLAIN_ENV: "LOG_LEVEL,STRIPE_WEBHOOK_SECRET" }),
      (error: unknown) =>
        error instanceof SettingsError &&
        /LETSGO_WORKER_PLAIN_ENV lists STRIPE_WEBHOOK_SECRET, a secret setting of the worker: it is always stored as an SSM SecureString parameter, never in plain configuration\. Remove it from the list\./.test(error.message),
    );
    assert.throws(() => resolveSettings({ LETSGO_WORKER_PLAIN_ENV: "SLACK_WEBHOOK_URL, LETSGO_WORKER_PRIVATE_KEY" }), /lists SLACK_WEBHOOK_URL, LETSGO_WORKER_PRIVATE_KEY, secret settings of the worker: they are always stored/);
    assert.doesNotThrow(() => resolveSettings({ LETSGO_WORKER_PLAIN_ENV: "LETSGO_API_URL,LOG_LEVEL" }), "a plain setting listed is harmless");
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, "apps/worker"), { recursive: true });
      await writeFile(path.join(dir, "apps/worker/.env"), "A=1\nLETSGO_WORKER_PLAIN_ENV=LETSGO_WORKER_PRIVATE_KEY\n");
      await assert.rejects(loadSettings(dir, {}, {}), /\.env:2: LETSGO_WORKER_PLAIN_ENV lists LETSGO_WORKER_PRIVATE_KEY/);
    } finally {
      await cleanup();
    }
  });
});

describe("Function: resolveSettings", () => {
  it("fills defaults and keeps unknown keys as the user's own", () => {
    const { settings, extra } = resolveSettings({ LETSGO_WORKER_BATCH_SIZE: "5", MY_API_KEY: "x" });
    assert.equal(settings.LETSGO_WORKER_BATCH_SIZE, 5);
    assert.equal(settings.LETSGO_WORKER_VISIBILITY_TIMEOUT, 360);
    assert.deepEqual(extra, { MY_API_KEY: "x" });
  });

  it("keeps an empty schedule (scheduling disabled) but defaults other empty values", () => {
    const { settings } = resolveSettings({ LETSGO_WORKER_SCHEDULE: "", LETSGO_DEPLOYMENT: "" });
    assert.equal(settings.LETSGO_WORKER_SCHEDULE, "");
    assert.equal(settings.LETSGO_DEPLOYMENT, "main");
  });

  for (const [raw, message] of [
    [{ LETSGO_WORKER_BATCH_SIZE: "ten" }, /whole number/],
    [{ LETSGO_WORKER_BATCH_SIZE: "0" }, /between 1 and 10000/],
    [{ LETSGO_WORKER_ARCHITECTURE: "mips" }, /one of arm64, x86_64/],
  ] as const) {
    it(`rejects ${JSON.stringify(raw)}`, () => {
      assert.throws(() => resolveSettings({ ...raw }), (error: unknown) => error instanceof SettingsError && message.test(error.message));
    });
  }
});

describe("Function: loadSettings", () => {
  it("names the file and line of a bad value; flags override the file", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, "apps/worker"), { recursive: true });
      await writeFile(path.join(dir, "apps/worker/.env"), "# x\nLETSGO_WORKER_CONCURRENCY=1\n");
      await assert.rejects(loadSettings(dir), /\.env:2: LETSGO_WORKER_CONCURRENCY must be between 2 and 1000/);
      const { settings } = await loadSettings(dir, { LETSGO_WORKER_CONCURRENCY: 7 });
      assert.equal(settings.LETSGO_WORKER_CONCURRENCY, 7);
    } finally {
      await cleanup();
    }
  });

  it("an exported variable wins over .env, a flag wins over both, and errors name where the value came from", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, "apps/worker"), { recursive: true });
      await writeFile(path.join(dir, "apps/worker/.env"), "LETSGO_DEPLOYMENT=fromfile\nLETSGO_WORKER_BATCH_SIZE=3\n");
      const fromEnv = await loadSettings(dir, {}, { LETSGO_DEPLOYMENT: "fromenv" });
      assert.equal(fromEnv.settings.LETSGO_DEPLOYMENT, "fromenv");
      assert.equal(fromEnv.settings.LETSGO_WORKER_BATCH_SIZE, 3);
      const fromFlag = await loadSettings(dir, { LETSGO_DEPLOYMENT: "fromflag" }, { LETSGO_DEPLOYMENT: "fromenv" });
      assert.equal(fromFlag.settings.LETSGO_DEPLOYMENT, "fromflag");
      await assert.rejects(
        loadSettings(dir, {}, { LETSGO_WORKER_BATCH_SIZE: "many" }),
        /environment variable LETSGO_WORKER_BATCH_SIZE: LETSGO_WORKER_BATCH_SIZE must be a whole number/,
      );
    } finally {
      await cleanup();
    }
  });

  it("uses every default when there is no .env", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      assert.deepEqual((await loadSettings(dir, {}, {})).settings, defaultSettings());
    } finally {
      await cleanup();
    }
  });

  it("renderEnvFile writes values that read back as the defaults", () => {
    assert.deepEqual(resolveSettings(envToRecord(renderEnvFile())).settings, defaultSettings());
  });

  it("LETSGO_DEV_... values stand in for their settings in dev only: deploy reads the deployed ones, and neither passes them on as the user's own", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, "apps/worker"), { recursive: true });
      await writeFile(path.join(dir, "apps/worker/.env"), renderEnvFile({}, QUICK_DEV_RETRIES) + "MY_KEY=1\n");
      const deployed = await loadSettings(dir, {}, {});
      assert.equal(deployed.settings.LETSGO_WORKER_VISIBILITY_TIMEOUT, 360);
      assert.equal(deployed.settings.LETSGO_WORKER_FUNCTION_TIMEOUT, 60);
      assert.deepEqual(deployed.devOnly, []);
      assert.deepEqual(deployed.extra, { MY_KEY: "1" }, "never the function's configuration");
      const dev = await loadSettings(dir, {}, {}, { dev: true });
      assert.equal(dev.settings.LETSGO_WORKER_VISIBILITY_TIMEOUT, 10);
      assert.equal(dev.settings.LETSGO_WORKER_FUNCTION_TIMEOUT, 10);
      assert.equal(dev.deployed.LETSGO_WORKER_VISIBILITY_TIMEOUT, 360);
      assert.deepEqual(dev.devOnly.map((d) => [d.devKey, d.value, d.deployed]), [
        ["LETSGO_DEV_VISIBILITY_TIMEOUT", 10, 360],
        ["LETSGO_DEV_FUNCTION_TIMEOUT", 10, 60],
      ]);
      assert.deepEqual(dev.extra, { MY_KEY: "1" });
      // A flag names the value outright: it wins over the dev-only one.
      const flagged = await loadSettings(dir, { LETSGO_WORKER_VISIBILITY_TIMEOUT: 30 }, {}, { dev: true });
      assert.equal(flagged.settings.LETSGO_WORKER_VISIBILITY_TIMEOUT, 30);
      assert.deepEqual(flagged.devOnly.map((d) => d.devKey), ["LETSGO_DEV_FUNCTION_TIMEOUT"]);
      // An exported one counts as the file's would.
      assert.equal((await loadSettings(dir, {}, { LETSGO_DEV_VISIBILITY_TIMEOUT: "20" }, { dev: true })).settings.LETSGO_WORKER_VISIBILITY_TIMEOUT, 20);
    } finally {
      await cleanup();
    }
  });

  it("refuses a LETSGO_DEV_... name that stands for no dev setting, and a bad value, naming the line, in dev and deploy alike", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, "apps/worker"), { recursive: true });
      await writeFile(path.join(dir, "apps/worker/.env"), "LETSGO_DEV_MEMORY=512\n");
      for (const use of [{}, { dev: true }]) {
        await assert.rejects(loadSettings(dir, {}, {}, use), /\.env:1: LETSGO_DEV_MEMORY is not a dev-only setting\. Those are: .*LETSGO_DEV_VISIBILITY_TIMEOUT/);
      }
      await writeFile(path.join(dir, "apps/worker/.env"), "\nLETSGO_DEV_VISIBILITY_TIMEOUT=soon\n");
      for (const use of [{}, { dev: true }]) {
        await assert.rejects(loadSettings(dir, {}, {}, use), /\.env:2 \(LETSGO_DEV_VISIBILITY_TIMEOUT, dev's value of LETSGO_WORKER_VISIBILITY_TIMEOUT\): LETSGO_WORKER_VISIBILITY_TIMEOUT must be a whole number/);
      }
    } finally {
      await cleanup();
    }
  });
});
