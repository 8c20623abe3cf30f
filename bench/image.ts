// `build` performance: bundle size and the time to import the bundle in a fresh
// Node process (a proxy for Lambda init), the layer the image adds to its base,
// and an unchanged rebuild against a first build.
// Usage: npm run build && node --import tsx bench/image.ts [import-runs]
// Goals: bundle imports in < 100 ms; the image adds < 5 MB; an unchanged rebuild takes < 2 s.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildImage, bundleWorker } from "../dist/image/index.js";
import { runCli } from "../test/support/cli.js";
import { nodeBaseImage, scaffoldWorker, setHandlerBody, startTestEngine } from "../test/support/docker.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 20);
const goals = { importMs: 100, addedBytes: 5_000_000, unchangedRebuildMs: 2000 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

console.log(`machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
console.log(`command: node --import tsx bench/image.ts ${runs}`);

// The scaffold with add-message OrderNew, and a handler that uses the Stripe SDK.
const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-bench-image-"));
const project = path.join(dir, "project");
const { handlerFile } = await scaffoldWorker(project, { deployment: "bench" });
await mkdir(path.join(project, "node_modules"), { recursive: true });
await symlink(path.join(root, "node_modules", "stripe"), path.join(project, "node_modules", "stripe"), "dir");
const stub = await readFile(handlerFile, "utf8");
await writeFile(
  handlerFile,
  `import Stripe from "stripe";\nconst stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? "sk_test_placeholder");\n${stub}`,
);
await setHandlerBody(handlerFile, "if (message.payload.orderId === \"x\") await stripe.customers.retrieve(message.payload.orderId);");

// 1. Bundle size and fresh-process import time.
const [bundle, bundleMs] = await timed(() => bundleWorker({ cwd: project }));
const taskRoot = path.join(dir, "task");
await mkdir(taskRoot);
await writeFile(path.join(taskRoot, bundle.fileName), bundle.code);
await writeFile(path.join(taskRoot, bundle.sourceMapName), bundle.sourceMap);
const program = `const t = performance.now(); await import(${JSON.stringify(path.join(taskRoot, bundle.fileName))}); process.stdout.write(String(performance.now() - t));`;
function importMs(flags: string[]): number {
  const samples: number[] = [];
  for (let round = 0; round < runs + 2; round++) {
    const result = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", program], { cwd: taskRoot, encoding: "utf8", env: { PATH: process.env.PATH } });
    if (result.status !== 0) throw new Error(result.stderr);
    if (round >= 2) samples.push(Number(result.stdout)); // 2 warm-up rounds fill the file cache
  }
  return median(samples);
}
const plainImport = importMs([]);
const mappedImport = importMs(["--enable-source-maps"]);
console.log("");
console.log(`bundle (scaffold + OrderNew + stripe): ${kB(bundle.code.length)} + ${kB(bundle.sourceMap.length)} source map, esbuild ${bundleMs.toFixed(0)} ms`);
console.log(`  largest inputs: ${bundle.inputs.slice(0, 3).map((input) => `${input.path} ${kB(input.bytes)}`).join(", ")}`);
console.log(`import in a fresh node (median of ${runs}): ${plainImport.toFixed(1)} ms; with --enable-source-maps (as in the image) ${mappedImport.toFixed(1)} ms   goal < ${goals.importMs} ms: ${verdict(mappedImport < goals.importMs)}`);

// 2. Image: first build, unchanged rebuild (in-process and through the CLI), changed handler.
const engine = await startTestEngine();
if ("skip" in engine) {
  console.log(`image: skipped (${engine.skip})`);
} else {
  try {
    const baseImage = await nodeBaseImage(engine.docker);
    const options = { cwd: project, platform: engine.platform, baseImage, docker: engine.docker };
    const [first, firstMs] = await timed(() => buildImage(options));
    const [again, againMs] = await timed(() => buildImage(options));
    const cli = await timed(() => runCli(["build", "--cwd", project, "--platform", engine.platform, "--base-image", baseImage, "--quiet"], { env: { DOCKER_HOST: engine.host } }));
    await setHandlerBody(handlerFile, "if (message.payload.orderId === \"y\") await stripe.customers.retrieve(message.payload.orderId);");
    const [changed, changedMs] = await timed(() => buildImage(options));
    const added = first.imageBytes - first.baseImageBytes;
    console.log(`image: ${first.reference} (${first.platform}), ${(first.imageBytes / 1e6).toFixed(1)} MB; adds ${kB(added)} over the base   goal < 5 MB: ${verdict(added < goals.addedBytes)}`);
    console.log(`first build ${firstMs.toFixed(0)} ms; changed handler ${changedMs.toFixed(0)} ms`);
    console.log(`unchanged rebuild ${againMs.toFixed(0)} ms in-process (skipped: ${again.skipped}); \`letsgo-worker build\` ${cli[1].toFixed(0)} ms end to end (exit ${cli[0].code})   goal < ${goals.unchangedRebuildMs} ms: ${verdict(cli[1] < goals.unchangedRebuildMs && again.skipped)}`);
    const info = (await engine.docker.info()) as { ServerVersion: string; Driver: string };
    console.log(`engine: Docker ${info.ServerVersion} at ${engine.host}, storage driver ${info.Driver} (vfs copies the whole base at every step; overlay2 is faster)`);
    // Leave a shared engine (DOCKER_HOST) as we found it; the base image stays cached.
    for (const reference of new Set([first.reference, changed.reference])) {
      await engine.docker.getImage(reference).remove({ force: true }).catch(() => undefined);
    }
  } finally {
    await engine.close();
  }
}
await rm(dir, { recursive: true, force: true });
