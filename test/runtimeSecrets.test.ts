import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { loadSecretsIntoEnv, secretsLoader } from "../src/runtime/secrets.ts";
import { startMoto, useMotoEnv, type Moto } from "./support/moto.ts";

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
    assert.equal(await loadSecretsIntoEnv(env), 2);
    assert.equal(env.LETSGO_WORKER_PRIVATE_KEY, '{"kty":"EC","d":"secret"}');
    assert.equal(env.STRIPE_WEBHOOK_SECRET, "whsec_abc");
  });

  it("does nothing (and loads no SDK call) without LETSGO_SECRETS_PATH", async () => {
    const env: Record<string, string | undefined> = {};
    assert.equal(await loadSecretsIntoEnv(env), 0);
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
