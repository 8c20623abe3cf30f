/**
 * Function: the dev queue (MessageQueue) ≡ SQS, with moto's SQS on a clock the
 * test steps (./support/queueParity.ts says what is compared, and which
 * differences are intended).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SQSClient } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { startClockedMoto, type ClockedMoto } from "./support/clockedMoto.js";
import { runDev, runSqs, sequence, START } from "./support/queueParity.js";

describe("Function: the dev queue ≡ SQS (moto)", () => {
  let moto: ClockedMoto;
  let sqs: SQSClient;
  before(async () => {
    moto = await startClockedMoto(START);
    sqs = new SQSClient({ endpoint: moto.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  });
  after(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  it("gives the same receives, the same drain and the same dead-letter queue on 150 generated sequences", async (t) => {
    const seed = Number(process.env.LETSGO_QUEUE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (LETSGO_QUEUE_SEED=${seed} replays this run)`);
    const sequences = fc.sample(sequence, { seed, numRuns: 150 });
    let operations = 0;
    for (const [n, seq] of sequences.entries()) {
      operations += seq.ops.length;
      const dev = await runDev(seq);
      const aws = await runSqs(seq, sqs, moto, `parity-${seed}-${n}`);
      assert.deepEqual(dev, aws, `sequence ${n} of seed ${seed} (LETSGO_QUEUE_SEED=${seed}): ${JSON.stringify(seq)}`);
    }
    t.diagnostic(`${sequences.length} sequences, ${operations} operations`);
  });
});
