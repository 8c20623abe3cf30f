/**
 * A real Docker engine for the image tests. In order of preference:
 * 1. the engine at DOCKER_HOST, if it answers /_ping;
 * 2. as root: our own dockerd on a socket in a temp dir (vfs storage, no
 *    iptables, no bridge: loopback only), installing Debian's docker.io first if
 *    dockerd is missing; stopped and removed by `close()`;
 * 3. otherwise a loud skip with the reason (an error with LETSGO_REQUIRE_DOCKER=1).
 *
 * Nothing can be pulled on the test machines, so `nodeBaseImage()` makes a base
 * image from this machine's own `node` binary and the libraries it links.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import Docker from "dockerode";
import { tarArchive, type TarEntry } from "../../src/image/tar.js";
import type { ImagePlatform } from "../../src/image/platform.js";

const run = promisify(execFile);

export interface TestEngine {
  docker: Docker;
  /** DOCKER_HOST value for child processes. */
  host: string;
  /** The platform this machine's containers run. */
  platform: ImagePlatform;
  /** Stops the engine if we started it. */
  close(): Promise<void>;
}

export type EngineOrSkip = TestEngine | { skip: string };

export const APT_PACKAGES = ["docker.io", "containerd", "runc", "docker-registry"];

export function hostPlatform(): ImagePlatform {
  return process.arch === "arm64" ? "linux/arm64" : "linux/amd64";
}

export async function startTestEngine(): Promise<EngineOrSkip> {
  const fromEnv = process.env.DOCKER_HOST;
  if (fromEnv) {
    const docker = new Docker();
    if (await answers(docker)) return { docker, host: fromEnv, platform: hostPlatform(), close: async () => {} };
  }
  const reason = await cannotStartEngine();
  if (reason) return skipLoudly(reason);
  return startOwnDockerd();
}

/**
 * Print why Docker tests are skipped, so a skip is never mistaken for a pass.
 * With LETSGO_REQUIRE_DOCKER=1 (CI) there is no skipping: the reason is an error.
 */
export function skipLoudly(reason: string): { skip: string } {
  if (process.env.LETSGO_REQUIRE_DOCKER === "1") throw new Error(`LETSGO_REQUIRE_DOCKER=1 but: ${reason}`);
  const line = `!!! Docker tests SKIPPED: ${reason}`;
  console.warn(`\n${"!".repeat(line.length)}\n${line}\n${"!".repeat(line.length)}\n`);
  return { skip: reason };
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function cannotStartEngine(): Promise<string | undefined> {
  if (process.platform !== "linux") return `no engine at DOCKER_HOST and cannot start dockerd on ${process.platform}`;
  if (process.getuid?.() !== 0) return "no engine at DOCKER_HOST and not root, so cannot start dockerd (set DOCKER_HOST or run as root)";
  // Installing is .ci/run's job, not a test's.
  if (await which("dockerd")) return undefined;
  return `dockerd is not installed (apt-get install ${APT_PACKAGES.join(" ")}, as .ci/run does)`;
}

export async function which(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const file = path.join(dir, command);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

async function startOwnDockerd(): Promise<EngineOrSkip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-dockerd-"));
  const socket = path.join(dir, "docker.sock");
  const log = createWriteStream(path.join(dir, "dockerd.log"));
  const dockerd = spawn(
    (await which("dockerd"))!,
    [
      "--data-root", path.join(dir, "data"),
      "--exec-root", path.join(dir, "exec"),
      "--pidfile", path.join(dir, "dockerd.pid"),
      "-H", `unix://${socket}`,
      "--storage-driver", "vfs",
      "--iptables=false", "--ip6tables=false", "--bridge=none",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  dockerd.stdout!.pipe(log);
  dockerd.stderr!.pipe(log);
  const docker = new Docker({ socketPath: socket });
  const close = async () => {
    await stopProcess(dockerd);
    log.end();
    // A container on the host's network leaves dockerd's netns bind mount behind it.
    const netns = path.join(dir, "exec", "netns", "default");
    if (existsSync(netns)) await run("umount", ["-l", netns]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => answers(docker), dockerd, 30_000);
  } catch (error) {
    const tail = (await readFile(path.join(dir, "dockerd.log"), "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
    await close();
    return skipLoudly(`dockerd did not start (${(error as Error).message}); log:\n${tail}`);
  }
  return { docker, host: `unix://${socket}`, platform: hostPlatform(), close };
}

/** Poll a readiness check until it passes, failing at once if the process exits. */
export async function waitUntil(ready: () => Promise<boolean>, child: ChildProcess, timeoutMs: number): Promise<void> {
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${signal ?? code}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(force);
}

/**
 * A stand-in for public.ecr.aws/lambda/nodejs: this machine's node at
 * /var/lang/bin/node plus the shared libraries `ldd` lists, LAMBDA_TASK_ROOT set.
 * Imported once per engine under a stable tag.
 */
export async function nodeBaseImage(docker: Docker): Promise<string> {
  return importOnce(docker, `letsgo-test/node-base:${process.version}-${process.arch}`, [], []);
}

/**
 * A stand-in for public.ecr.aws/lambda/nodejs that keeps its start-up contract:
 * the node base above plus AWS's own runtime client (`aws-lambda-ric`, from
 * node_modules, native part and the libraries it links included) under
 * /var/runtime, and an entrypoint `/lambda-entrypoint.sh` that, as the AWS
 * image's does, takes the handler from the command (`index.handler` → _HANDLER)
 * and, with AWS_LAMBDA_RUNTIME_API set, runs the runtime client against it.
 * (AWS's image starts its emulator without that variable; this one has none
 * and says so.) The entrypoint is a node script: the image has no shell.
 */
export async function lambdaBaseImage(docker: Docker): Promise<string> {
  const { files, ricVersion } = await lambdaBaseFiles();
  return importOnce(docker, `letsgo-test/lambda-base:${process.version}-${process.arch}-ric${ricVersion}`, files, LAMBDA_BASE_CHANGES);
}

const LAMBDA_BASE_CHANGES = ["ENV LAMBDA_RUNTIME_DIR=/var/runtime", 'ENTRYPOINT ["/lambda-entrypoint.sh"]', 'CMD ["index.handler"]'];

/**
 * The stand-in base image with what a build's `RUN npm install` step needs:
 * a shell, `rm`, and an `npm` whose registry is a folder baked into the image
 * (`packages`: name → a folder on this machine holding the package), since no
 * build here can reach the real registry. Its `npm install` copies each
 * dependency of ./package.json into ./node_modules, as npm installs a package
 * that ships prebuilt binaries: exactly the files the package holds.
 */
export async function lambdaBaseImageWithNpm(docker: Docker, packages: Record<string, string>): Promise<string> {
  const { files, ricVersion } = await lambdaBaseFiles();
  const registry: RootfsFile[] = [];
  for (const [name, dir] of Object.entries(packages)) {
    for (const file of await listFiles(dir)) registry.push({ inImage: `/opt/stand-in-registry/${name}/${path.relative(dir, file)}`, source: file, mode: 0o755 });
  }
  const tools: RootfsFile[] = [
    { inImage: "/bin/sh", source: "/bin/dash", mode: 0o755 },
    { inImage: "/bin/rm", source: "/bin/rm", mode: 0o755 },
    ...[...new Set([...(await linkedLibraries("/bin/dash")), ...(await linkedLibraries("/bin/rm"))])].map((library) => ({ inImage: library, source: library, mode: 0o755 })),
    { inImage: "/var/lang/bin/npm", data: Buffer.from(STAND_IN_NPM), mode: 0o755 },
  ];
  const hash = createHash("sha256");
  for (const file of registry) hash.update(file.inImage).update(await readFile(file.source!));
  return importOnce(docker, `letsgo-test/lambda-base-npm:${process.arch}-ric${ricVersion}-${hash.digest("hex").slice(0, 12)}`, [...files, ...tools, ...registry], LAMBDA_BASE_CHANGES);
}

const STAND_IN_NPM = `#!/var/lang/bin/node
// npm install, for a test stand-in: each dependency copied from /opt/stand-in-registry.
const fs = require("node:fs");
if (process.argv[2] !== "install") { process.stderr.write("stand-in npm: only install\\n"); process.exit(1); }
const { dependencies = {} } = JSON.parse(fs.readFileSync("package.json", "utf8"));
for (const name of Object.keys(dependencies)) {
  const from = "/opt/stand-in-registry/" + name;
  if (!fs.existsSync(from)) { process.stderr.write("npm error 404 Not Found - " + name + "\\n"); process.exit(1); }
  fs.cpSync(from, "node_modules/" + name, { recursive: true });
  process.stdout.write("added " + name + "\\n");
}
`;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function lambdaBaseFiles(): Promise<{ files: RootfsFile[]; ricVersion: string }> {
  const ricDir = path.dirname(createRequire(import.meta.url).resolve("aws-lambda-ric"));
  const ricVersion = JSON.parse(await readFile(path.join(ricDir, "package.json"), "utf8")).version as string;
  const inRuntime = "/var/runtime/node_modules/aws-lambda-ric";
  const files: RootfsFile[] = [
    { inImage: `${inRuntime}/index.mjs`, source: path.join(ricDir, "index.mjs"), mode: 0o644 },
    { inImage: `${inRuntime}/package.json`, source: path.join(ricDir, "package.json"), mode: 0o644 },
    { inImage: `${inRuntime}/rapid-client.node`, source: path.join(ricDir, "rapid-client.node"), mode: 0o755 },
    ...(await linkedLibraries(path.join(ricDir, "rapid-client.node"))).map((library) => ({ inImage: library, source: library, mode: 0o755 })),
    { inImage: "/lambda-entrypoint.sh", data: Buffer.from(LAMBDA_ENTRYPOINT), mode: 0o755 },
  ];
  return { files, ricVersion };
}

const LAMBDA_ENTRYPOINT = `#!/var/lang/bin/node
// The start-up contract of AWS's Lambda base images (a test stand-in): the command names the handler.
if (process.argv[2]) process.env._HANDLER = process.argv[2];
if (!process.env.AWS_LAMBDA_RUNTIME_API) {
  process.stderr.write("AWS_LAMBDA_RUNTIME_API is not set, and this stand-in has no emulator\\n");
  process.exit(127);
}
import("/var/runtime/node_modules/aws-lambda-ric/index.mjs").catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\\n");
  process.exit(1);
});
`;

interface RootfsFile {
  inImage: string;
  source?: string;
  data?: Buffer;
  mode: number;
}

async function importOnce(docker: Docker, reference: string, extra: RootfsFile[], extraChanges: string[]): Promise<string> {
  try {
    await docker.getImage(reference).inspect();
    return reference;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const [repo, tag] = reference.split(":") as [string, string];
  const stream = await docker.importImage(Readable.from([await nodeRootfs(extra)]), {
    repo,
    tag,
    changes: [
      "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin",
      "ENV LAMBDA_TASK_ROOT=/var/task",
      "WORKDIR /var/task",
      ...extraChanges,
    ],
  });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((event) => event.error);
      if (error || failed) reject(error ?? new Error(failed!.error));
      else resolve();
    }),
  );
  return reference;
}

/** The shared libraries `ldd` lists for a binary or native module. */
async function linkedLibraries(file: string): Promise<string[]> {
  const { stdout } = await run("ldd", [file]);
  return stdout
    .split("\n")
    .map((line) => /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1])
    .filter((found): found is string => found !== undefined);
}

async function nodeRootfs(extra: RootfsFile[] = []): Promise<Buffer> {
  const node = process.execPath;
  const files = new Map<string, TarEntry>();
  const dirs = new Set(["tmp", "var/task", "var/lang/bin", "etc"]);
  const addFile = async ({ inImage, source, data, mode }: RootfsFile) => {
    const name = inImage.replace(/^\//, "");
    for (let dir = path.posix.dirname(name); dir !== "."; dir = path.posix.dirname(dir)) dirs.add(dir);
    files.set(name, { name, data: data ?? (await readFile(source!)), mode });
  };
  await addFile({ inImage: "/var/lang/bin/node", source: node, mode: 0o755 });
  for (const library of await linkedLibraries(node)) await addFile({ inImage: library, source: library, mode: 0o755 });
  for (const file of extra) await addFile(file);
  const entries: TarEntry[] = [...dirs].sort().map((name) => ({ name, type: "directory", mode: name === "tmp" ? 0o1777 : 0o755 }));
  entries.push({ name: "etc/passwd", data: Buffer.from("root:x:0:0:root:/root:/bin/sh\n") });
  entries.push(...files.values());
  return tarArchive(entries);
}

export interface ContainerRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a command in an image with no network, wait for it and collect its output. */
export async function runInContainer(docker: Docker, image: string, cmd: string[], env: string[] = []): Promise<ContainerRun> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: [],
    Cmd: cmd,
    Env: env,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: StatusCode, ...demux(logs) };
  } finally {
    await container.remove({ force: true });
  }
}

/** Split the engine's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + size);
    (buffer[offset] === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Whether `needle` occurs anywhere in the image as `docker save` would export it (layers and config). */
export async function imageContains(docker: Docker, reference: string, needle: string): Promise<boolean> {
  const target = Buffer.from(needle);
  const stream = await docker.getImage(reference).get();
  let carry = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const window = Buffer.concat([carry, chunk]);
    if (window.includes(target)) return true;
    carry = window.subarray(Math.max(0, window.length - target.length + 1));
  }
  return false;
}

/** The `.env` canary: the image tests check it is nowhere in the image. */
export const ENV_CANARY = "whsec_letsgoEnvCanary0123456789";

/**
 * A small LetsGo-layout project for tests that must not depend on the scaffold:
 * apps/worker/src/index.ts exports an SQS `handler` that imports a local module
 * and `@letsgo/types` (packages/types/index.ts, not installed in node_modules).
 */
export async function writeFixtureWorker(dir: string, options: { orderHandler?: string } = {}): Promise<void> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const files: Record<string, string> = {
    "packages/types/package.json": JSON.stringify({ name: "@letsgo/types", version: "0.0.0", main: "index.ts" }),
    "packages/types/index.ts": [
      'export enum MessageType { OrderNew = "OrderNew" }',
      "export interface Message { type: MessageType | string; payload: any }",
      "",
    ].join("\n"),
    "apps/worker/package.json": JSON.stringify({ name: "worker", private: true, type: "module" }),
    "apps/worker/.env": `LETSGO_DEPLOYMENT=fixture\nSTRIPE_WEBHOOK_SECRET=${ENV_CANARY}\n`,
    "apps/worker/src/handlers/order.ts":
      options.orderHandler ??
      [
        "export async function handleOrder(payload: { orderId: string }): Promise<void> {",
        '  if (payload.orderId === "bad") throw new Error(`order ${payload.orderId} failed`);',
        "}",
        "",
      ].join("\n"),
    "apps/worker/src/index.ts": [
      'import { MessageType, type Message } from "@letsgo/types";',
      'import { handleOrder } from "./handlers/order.js";',
      "",
      "interface SqsRecord { messageId: string; body: string }",
      "",
      "export async function handler(event: { Records: SqsRecord[] }) {",
      "  const batchItemFailures: Array<{ itemIdentifier: string }> = [];",
      "  for (const record of event.Records) {",
      "    try {",
      "      const message = JSON.parse(record.body) as Message;",
      "      if (message.type !== MessageType.OrderNew) throw new Error(`unknown type ${message.type}`);",
      "      await handleOrder(message.payload);",
      "    } catch {",
      "      batchItemFailures.push({ itemIdentifier: record.messageId });",
      "    }",
      "  }",
      "  return { batchItemFailures };",
      "}",
      "",
    ].join("\n"),
  };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

/**
 * The real thing: `init` + `add-message OrderNew`, with the generated handler
 * edited the way a user would (it throws for orderId "bad"), a key pair and a
 * Stripe secret canary in apps/worker/.env. Returns the handler file's path.
 */
export async function scaffoldWorker(dir: string, options: { deployment?: string; handlerBody?: string } = {}): Promise<{ handlerFile: string }> {
  const { readFile: read, writeFile } = await import("node:fs/promises");
  const { scaffoldProject } = await import("../../src/project/scaffold.js");
  const { addMessage } = await import("../../src/project/addMessage.js");
  const { generateKeysIntoEnv } = await import("../../src/project/keys.js");
  const { setEnvValues } = await import("../../src/project/dotenv.js");
  const { workerPaths } = await import("../../src/project/paths.js");
  await scaffoldProject({ dir, deployment: options.deployment ?? "e2e", region: "eu-central-1", schedule: "rate(1 hour)", timezone: "UTC", architecture: process.arch === "arm64" ? "arm64" : "x86_64", devRetries: "deployed" });
  const added = await addMessage({ projectDir: dir, name: "OrderNew", fields: ["orderId:string"] });
  await generateKeysIntoEnv(dir);
  const paths = workerPaths(dir);
  await writeFile(paths.envFile, setEnvValues(await read(paths.envFile, "utf8"), { STRIPE_WEBHOOK_SECRET: ENV_CANARY }));
  const handlerFile = path.join(paths.handlers, `${added.handlerName}.ts`);
  await setHandlerBody(handlerFile, options.handlerBody ?? 'if (message.payload.orderId === "bad") throw new Error("order bad failed");');
  return { handlerFile };
}

/** Replace the body of the generated `async (message, event, context) => { ... }` handler. */
export async function setHandlerBody(handlerFile: string, body: string): Promise<void> {
  const { readFile: read, writeFile } = await import("node:fs/promises");
  const source = await read(handlerFile, "utf8");
  const start = source.indexOf("=> {");
  const end = source.lastIndexOf("};");
  if (start === -1 || end === -1) throw new Error(`unexpected handler stub in ${handlerFile}:\n${source}`);
  await writeFile(handlerFile, `${source.slice(0, start)}=> {\n  ${body}\n${source.slice(end)}`);
}

/** An SQS event with one good and one failing OrderNew message (ids "good" and "bad"). */
export function goodAndBadOrders(): { Records: Array<Record<string, unknown>> } {
  const record = (id: string) => ({
    messageId: id,
    receiptHandle: `receipt-${id}`,
    body: JSON.stringify({ type: "OrderNew", payload: { orderId: id } }),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1767261600000", SenderId: "AIDA", ApproximateFirstReceiveTimestamp: "1767261600000" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-central-1:123456789012:letsgo-e2e-worker",
    awsRegion: "eu-central-1",
  });
  return { Records: [record("good"), record("bad")] };
}

/**
 * A `node --input-type=module -e` program that imports a bundle, calls its
 * `handler` with the event and a Lambda-like context, and prints the result as
 * one JSON line prefixed with RESULT (the worker's own logs go to stdout too).
 */
export function invokeHandlerProgram(bundleFile: string, event: unknown): string {
  return [
    `const { handler } = await import(${JSON.stringify(bundleFile)});`,
    "const deadline = Date.now() + 60000;",
    `const context = { awsRequestId: "req-1", functionName: "letsgo-e2e-worker", functionVersion: "$LATEST", invokedFunctionArn: "arn:aws:lambda:eu-central-1:123456789012:function:letsgo-e2e-worker", memoryLimitInMB: "128", logGroupName: "/aws/lambda/letsgo-e2e-worker", logStreamName: "s", getRemainingTimeInMillis: () => deadline - Date.now() };`,
    `const result = await handler(${JSON.stringify(event)}, context);`,
    'console.log("RESULT " + JSON.stringify(result));',
  ].join("\n");
}

export function parseInvokeResult(stdout: string): unknown {
  const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "));
  if (!line) throw new Error(`no RESULT line in:\n${stdout}`);
  return JSON.parse(line.slice("RESULT ".length));
}
