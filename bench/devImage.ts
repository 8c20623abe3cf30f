// The cost of fidelity: `dev --image` (each batch in a container of the built
// image, through Lambda's Runtime API) against plain `dev` (Node processes on
// this machine), same project, same run, alternating round by round. The
// project is the scaffold with `add-message OrderNew` and its stub (it
// console.logs each payload); the image's base is the stand-in of AWS's Node
// base image the tests use (this machine's node + AWS's aws-lambda-ric).
// Measured: messages handled per second, 2,000 messages sent in 10-message
// POSTs from the moment dev is ready to the last handled (warm, after one
// message); and the first load (dev's `handler:loaded`: a process importing
// the bundle, or a container started until its runtime asks for work).
// Aim (issue 26): a warm container within 2x of a warm process per message; a
// container cold start <= 1 s.
//
// Usage: npm run build && node --import tsx bench/devImage.ts [--rounds 3] [--messages 2000]
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { lambdaBaseImage, scaffoldWorker, startTestEngine, type TestEngine } from "../test/support/docker.ts";
import { post, startDevCli } from "../test/support/devServer.ts";
// @ts-expect-error plain JavaScript helpers of the benches
import { codeLine, machineLine } from "./support/machine.mjs";

const { values: flags } = parseArgs({ options: { rounds: { type: "string", default: "3" }, messages: { type: "string", default: "2000" } } });
const rounds = Number(flags.rounds);
const messages = Number(flags.messages);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const engineOrSkip = await startTestEngine();
if ("skip" in engineOrSkip) throw new Error(engineOrSkip.skip);
const engine = engineOrSkip as TestEngine;
const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-image-"));
try {
  await scaffoldWorker(dir, { deployment: "bench", handlerBody: 'console.log("OrderNew", message.payload);' });
  const base = await lambdaBaseImage(engine.docker);
  console.log("dev --image against plain dev: the cost of fidelity");
  console.log(`machine: ${machineLine()}`);
  console.log(`code:    ${codeLine(path.resolve(import.meta.dirname, ".."))}`);
  console.log(`command: node --import tsx bench/devImage.ts --rounds ${rounds} --messages ${messages}`);
  console.log(`         plain: letsgo-worker dev --port 0 --json --no-schedule --no-typecheck`);
  console.log(`         image: the same with --image --base-image ${base} (DOCKER_HOST: the bench's own dockerd, vfs storage)`);
  const results = { plain: { rate: [] as number[], load: [] as number[] }, image: { rate: [] as number[], load: [] as number[] } };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 ? (["plain", "image"] as const) : (["image", "plain"] as const)) {
      const args = ["--no-schedule", "--no-typecheck", ...(mode === "image" ? ["--image", "--base-image", base] : [])];
      await rm(path.join(dir, "apps", "worker", ".letsgo"), { recursive: true, force: true });
      const dev = await startDevCli(dir, args, { DOCKER_HOST: engine.host });
      try {
        // The first load is over by "ready", which says how long it took.
        const loaded = (await dev.waitForLine((line) => line.event === "ready")).handler as { loadMs: number };
        const first = await post(dev.url, { type: "OrderNew", payload: { orderId: "warm" } });
        await dev.waitForLine((line) => line.event === "message:handled" && line.id === first.body.messageIds[0]);
        const handledBefore = dev.lines.filter((line) => line.event === "message:handled").length;
        const t0 = performance.now();
        for (let i = 0; i < messages; i += 10) {
          const body = Array.from({ length: Math.min(10, messages - i) }, (_, j) => ({ type: "OrderNew", payload: { orderId: `o${i + j}` } }));
          const sent = await post(dev.url, body);
          if (sent.status !== 201) throw new Error(`POST answered ${sent.status}`);
        }
        await dev.waitForLine(() => dev.lines.filter((line) => line.event === "message:handled").length >= handledBefore + messages);
        const rate = messages / ((performance.now() - t0) / 1000);
        results[mode].rate.push(rate);
        results[mode].load.push(loaded.loadMs);
        console.log(`   round ${round}  ${mode.padEnd(5)}  ${Math.round(rate).toLocaleString("en")} msg/s handled · first load ${Math.round(loaded.loadMs)} ms`);
      } finally {
        await dev.stop();
      }
    }
  }
  const ratio = median(results.plain.rate) / median(results.image.rate);
  console.log(
    `median: plain ${Math.round(median(results.plain.rate)).toLocaleString("en")} · image ${Math.round(median(results.image.rate)).toLocaleString("en")} msg/s (a warm process handles ${ratio.toFixed(2)}x a warm container's; aim ≤ 2) · ` +
      `first load: process ${Math.round(median(results.plain.load))} ms, container ${Math.round(median(results.image.load))} ms (aim ≤ 1000)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await engine.close();
}
