import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { loadSecretsIntoEnv, secretsLoader } from "../src/runtime/secrets.ts";
import { startMoto, useMotoEnv, type Moto } from "./support/moto.ts";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { bundleWorker } from "../src/image/bundle.ts";
import { REPO_ROOT } from "./support/cli.ts";
import { invokeHandlerProgram, parseInvokeResult } from "./support/docker.ts";

const run = promisify(execFile);

describe("Function: loadSecretsIntoEnv (against moto's SSM)", () => {
  let moto: Moto;
  let restoreEnv: () => void;
  before(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    const ssm = new SSMClient({});
    for (const [name, value] of [
      ["/letsgo/main/worker/LETSGO_WORKER_PRIVATE_KEY", '{"kty":"EC","d":"secret"}'],
      ["/letsgo/main/worker/STRIPE_WEBHOOK_SECRET", "whsec_abc"],
      ["/letsgo/other/worker/STRIPE_WEBHOOK_SECRET", "not ours"],
    ]) {
      await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString" }));
    }
    ssm.destroy();
  });
  after(async () => {
    restoreEnv();
    await moto.stop();
  });

  it("sets each parameter under the path as an environment variable, decrypted", async () => {
    const env: Record<string, string | undefined> = { LETSGO_SECRETS_PATH: "/letsgo/main/worker/" };
    assert.deepEqual((await loadSecretsIntoEnv(env)).sort(), ["LETSGO_WORKER_PRIVATE_KEY", "STRIPE_WEBHOOK_SECRET"]);
    assert.equal(env.LETSGO_WORKER_PRIVATE_KEY, '{"kty":"EC","d":"secret"}');
    assert.equal(env.STRIPE_WEBHOOK_SECRET, "whsec_abc");
  });

  it("does nothing (and loads no SDK call) without LETSGO_SECRETS_PATH", async () => {
    const env: Record<string, string | undefined> = {};
    assert.deepEqual(await loadSecretsIntoEnv(env), []);
    assert.deepEqual(env, {});
  });

  it("a failed load is retried on the next call instead of being remembered", async () => {
    const env: Record<string, string | undefined> = { LETSGO_SECRETS_PATH: "/letsgo/main/worker/" };
    const load = secretsLoader(env);
    await moto.down();
    await assert.rejects(load(), /Could not read the worker's secrets from SSM \(\/letsgo\/main\/worker\/\)/);
    await moto.up();
    await load();
    assert.equal(env.STRIPE_WEBHOOK_SECRET, "whsec_abc");
  });
});

describe("The image's entry (bundleWorker) with secrets in SSM", () => {
  let moto: Moto;
  let restoreEnv: () => void;
  let dir: string;
  before(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    const ssm = new SSMClient({});
    await ssm.send(new PutParameterCommand({ Name: "/letsgo/t/worker/DATABASE_URL", Value: "postgres://u:p4ssw0rd-from-ssm@db/x", Type: "SecureString" }));
    ssm.destroy();
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-entry-"));
  });
  after(async () => {
    restoreEnv();
    await moto.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads them before the user's modules run, so a value read at module load is there, as in dev", async () => {
    const project = path.join(dir, "project");
    await mkdir(path.join(project, "apps", "worker", "src"), { recursive: true });
    await writeFile(path.join(project, "apps", "worker", "package.json"), JSON.stringify({ name: "worker", type: "module", private: true }));
    await writeFile(
      path.join(project, "apps", "worker", "src", "index.ts"),
      "const atLoad = process.env.DATABASE_URL;\nexport const handler = async () => ({ atLoad, now: process.env.DATABASE_URL });\n",
    );
    const bundle = await bundleWorker({ cwd: project });
    const taskRoot = path.join(dir, "task");
    await mkdir(path.join(taskRoot, "node_modules"), { recursive: true });
    await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
    // As the Lambda base image provides it.
    await symlink(path.join(REPO_ROOT, "node_modules", "@aws-sdk"), path.join(taskRoot, "node_modules", "@aws-sdk"), "dir");
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", invokeHandlerProgram(path.join(taskRoot, bundle.fileName), {})], {
      cwd: taskRoot,
      env: { PATH: process.env.PATH, ...moto.env, LETSGO_SECRETS_PATH: "/letsgo/t/worker/" },
    });
    assert.deepEqual(parseInvokeResult(stdout), { atLoad: "postgres://u:p4ssw0rd-from-ssm@db/x", now: "postgres://u:p4ssw0rd-from-ssm@db/x" });
  });
});
