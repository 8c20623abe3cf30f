import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import type { SqsBatchResponse, WorkerHandler } from "../src/runtime/index.js";
import { lambdaContext, sqsEvent } from "./support/awsEvents.js";

const runtimeEntry = fileURLToPath(new URL("../src/runtime/index.ts", import.meta.url));

/** A user's worker entry, as the scaffold writes it, importing the runtime. */
function userWorkerSource(): string {
  return `
import { createStripeDispatcher, createWorkerHandler, ReservedMessageType } from ${JSON.stringify(runtimeEntry)};
const handlers = {
  OrderNew: async (message) => { if (message.payload.fail) throw new Error("boom"); },
  [ReservedMessageType.Stripe]: createStripeDispatcher({ "invoice.paid": async () => {} }),
};
export const handler = createWorkerHandler({ handlers, scheduled: async () => {} });
`;
}

describe("Module: runtime bundled into a worker image", () => {
  let dir: string;
  let entry: string;
  let metafile: Metafile;
  let handler: WorkerHandler;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-runtime-bundle-"));
    entry = path.join(dir, "index.mjs");
    await writeFile(entry, userWorkerSource());
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: path.join(dir, "dist", "index.mjs"),
      metafile: true,
      // The Lambda base image provides the AWS SDK (the runtime imports its SSM client lazily).
      external: ["@aws-sdk/*"],
      logLevel: "silent",
    });
    metafile = result.metafile;
    ({ handler } = (await import(pathToFileURL(path.join(dir, "dist", "index.mjs")).href)) as { handler: WorkerHandler });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("pulls in only src/runtime and jose (the AWS SDK stays external)", () => {
    const inputs = Object.keys(metafile.inputs).filter((input) => path.resolve(input) !== entry);
    assert.ok(inputs.some((input) => input.endsWith("src/runtime/workerHandler.ts")));
    const outside = inputs.filter((input) => !/(^|\/)src\/runtime\//.test(input) && !/node_modules\/jose\//.test(input));
    assert.deepEqual(outside, []);
    const sdkImports = metafile.outputs[Object.keys(metafile.outputs).find((out) => out.endsWith("index.mjs"))!]!.imports;
    assert.ok(sdkImports.some((imported) => imported.path === "@aws-sdk/client-ssm" && imported.external));
  });

  it("handles an SQS batch once bundled", async () => {
    const event = sqsEvent({ type: "OrderNew", payload: {} }, { type: "OrderNew", payload: { fail: true } });
    const response = (await handler(event, lambdaContext())) as SqsBatchResponse;
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: event.Records[1]!.messageId }]);
  });
});
