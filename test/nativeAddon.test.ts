/**
 * A native addon built for another machine than the function's: the failure
 * that shows first in Lambda. The worker installs a package in its image
 * (`letsgo-worker.install`) whose published binary is for the other
 * architecture, while the project's own node_modules holds a build for this
 * machine. Plain `dev` loads this machine's build and handles the message;
 * `build` warns, naming the file; `dev --image` fails the message as Lambda
 * would (Node's ERR_DLOPEN_FAILED from the image's loader).
 *
 * The binaries are a published prebuilt addon (msgpackr's): as it is (this
 * machine's), and with its ELF header's machine set to the other architecture
 * (what a build for that machine declares; the loader refuses it by that field).
 * The image's npm is the stand-in base image's, installing from a folder (no
 * build here reaches the registry): test/support/docker.ts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { lambdaBaseImageWithNpm, scaffoldWorker, startTestEngine, type TestEngine } from "./support/docker.ts";
import { post, startDevCli } from "./support/devServer.ts";
import { runCli } from "./support/cli.ts";
import { nativeBuild } from "../src/image/nativeModules.ts";

const engineOrSkip = await startTestEngine();
const skip = "skip" in engineOrSkip ? engineOrSkip.skip : false;
const needsEngine = { skip };

/** A prebuilt N-API addon for this machine that loads with no side effect (msgpackr's, installed with BullMQ, a dev dependency). */
const ADDON = path.join(path.dirname(createRequire(import.meta.url).resolve(`@msgpackr-extract/msgpackr-extract-${process.platform}-${process.arch}/package.json`)), "node.napi.glibc.node");
const HANDLER_BODY = 'const addon = await import("fastnum");\n  console.log("addon loaded:", typeof addon.default);';

/** A package `fastnum` whose index requires its prebuilt addon; `machine` rewrites the addon's ELF machine field. */
async function writePackage(dir: string, machine?: number): Promise<void> {
  await mkdir(path.join(dir, "build"), { recursive: true });
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "fastnum", version: "1.0.0", main: "index.js" }));
  await writeFile(path.join(dir, "index.js"), 'module.exports = require("./build/fastnum.node");\n');
  const binary = await readFile(ADDON);
  if (machine !== undefined) binary.writeUInt16LE(machine, 18);
  await writeFile(path.join(dir, "build", "fastnum.node"), binary);
}

describe("A native addon built for another architecture than the function's", { timeout: 300_000 }, () => {
  const engine = engineOrSkip as TestEngine;
  let dir: string;
  let base: string;
  const other = process.arch === "arm64" ? { machine: 62, platform: "linux/amd64" } : { machine: 183, platform: "linux/arm64" };
  const here = process.arch === "arm64" ? "linux/arm64" : "linux/amd64";

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-native-"));
    await scaffoldWorker(dir, { deployment: `native-${process.pid}`, handlerBody: HANDLER_BODY });
    const workerPackage = path.join(dir, "apps", "worker", "package.json");
    const pkg = JSON.parse(await readFile(workerPackage, "utf8"));
    await writeFile(workerPackage, JSON.stringify({ ...pkg, dependencies: { ...pkg.dependencies, fastnum: "1.0.0" }, "letsgo-worker": { install: ["fastnum"] } }, null, 2));
    // This machine's build, where plain dev finds it; the published one, for the other machine, where the image's npm finds it.
    await writePackage(path.join(dir, "node_modules", "fastnum"));
    const published = path.join(dir, "published");
    await writePackage(published, other.machine);
    base = await lambdaBaseImageWithNpm(engine.docker, { fastnum: published });
    await rm(published, { recursive: true, force: true });
  });

  after(async () => {
    if (skip) return;
    await rm(dir, { recursive: true, force: true });
    await engine.close();
  });

  it("reads an addon's header as the loader does", () => {
    const built = (machine: number) => {
      const header = Buffer.alloc(20);
      header.writeUInt32BE(0x7f454c46, 0);
      header[5] = 1;
      header.writeUInt16LE(machine, 18);
      return nativeBuild(header);
    };
    assert.deepEqual(built(62), { platform: "linux/amd64", loadsOnLinux: true });
    assert.deepEqual(built(183), { platform: "linux/arm64", loadsOnLinux: true });
    assert.deepEqual(nativeBuild(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])), { platform: "macOS (Mach-O)", loadsOnLinux: false });
    assert.equal(nativeBuild(Buffer.from("not a binary at all")), undefined);
  });

  it("plain dev loads this machine's build from node_modules and handles the message", needsEngine, async () => {
    const dev = await startDevCli(dir, ["--no-schedule", "--no-typecheck"]);
    try {
      const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "o-1" } });
      await dev.waitForLine((line) => line.event === "message:handled" && line.id === sent.body.messageIds[0]);
      await dev.waitForLine((line) => line.event === "handler:output" && /addon loaded: object/.test(line.line));
    } finally {
      await dev.stop();
    }
  });

  it("build warns first: the image's addon is built for another platform than the image's, named by its path", needsEngine, async () => {
    const build = await runCli(["build", "--cwd", dir, "--base-image", base, "--no-typecheck", "--json"], { env: { ...process.env, DOCKER_HOST: engine.host } });
    assert.equal(build.code, 0, build.stderr);
    const { warnings } = JSON.parse(build.stdout) as { warnings: string[] };
    const warning = warnings.find((w) => w.includes("fastnum.node"));
    assert.ok(warning, JSON.stringify(warnings));
    assert.match(warning, new RegExp(`^/var/task/node_modules/fastnum/build/fastnum\\.node is built for ${other.platform}, and the image runs ${here}: the function fails to load it \\(ERR_DLOPEN_FAILED\\)`));
  });

  it("dev --image fails the message as Lambda would: the image's loader refuses the addon", needsEngine, async () => {
    const dev = await startDevCli(dir, ["--image", "--base-image", base, "--no-schedule", "--no-typecheck"], { DOCKER_HOST: engine.host });
    try {
      const sent = await post(dev.url, { type: "OrderNew", payload: { orderId: "o-2" } });
      const failure = await dev.waitForLine((line) => line.event === "message:failed" && line.id === sent.body.messageIds[0]);
      assert.match(failure.error, /^Error: \/var\/task\/node_modules\/fastnum\/build\/fastnum\.node: cannot open shared object file/);
    } finally {
      await dev.stop();
    }
  });
});
