/**
 * A real scaffold for dev tests: `letsgo-worker init --yes` in a temp dir (no
 * npm install: node_modules stays absent), settings edited in its .env, and
 * helpers that edit the generated handler stubs so they record what they get.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setEnvValues } from "../../src/project/dotenv.js";
import { runCli, tempDir } from "./cli.js";

export interface ScaffoldedProject {
  dir: string;
  /** Where edited stubs append one JSON line per call. */
  log: string;
  setEnv(values: Record<string, string | number>): Promise<void>;
  cleanup(): Promise<void>;
}

export async function scaffoldProject(env: Record<string, string | number> = {}): Promise<ScaffoldedProject> {
  const { dir, cleanup } = await tempDir("letsgo-scaffold-");
  const init = await runCli(["init", "--yes", "--no-keys", "--dev-retries", "deployed", dir]);
  if (init.code !== 0) throw new Error(`init failed (${init.code}):\n${init.stderr}`);
  const envFile = path.join(dir, "apps", "worker", ".env");
  const project: ScaffoldedProject = {
    dir,
    log: path.join(dir, "calls.jsonl"),
    async setEnv(values) {
      const strings = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
      await writeFile(envFile, setEnvValues(await readFile(envFile, "utf8"), strings));
    },
    cleanup,
  };
  await project.setEnv({ LETSGO_WORKER_BATCHING_WINDOW: 0, ...env });
  return project;
}

/** Edit every apps/worker/src/handlers/stripe/*.ts stub: instead of its console.log, append what it got to the log. */
export async function recordStripeStubs(project: ScaffoldedProject): Promise<string[]> {
  const dir = path.join(project.dir, "apps", "worker", "src", "handlers", "stripe");
  const names: string[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith(".ts"))) {
    const name = file.replace(/\.ts$/, "");
    const stub = await readFile(path.join(dir, file), "utf8");
    const record =
      `appendFileSync(${JSON.stringify(project.log)}, JSON.stringify({ handler: "${name}", messageType: message.type, ` +
      "eventType: stripeEvent.type, id: stripeEvent.id, stripeMode: stripeEvent.stripeMode, object: stripeEvent.data.object.object, " +
      'source: event.Records[0].eventSource, requestId: context.awsRequestId }) + "\\n");';
    const edited = `import { appendFileSync } from "node:fs";\n${stub.replace(/^\s*console\.log\(.*\);$/m, `  ${record}`)}`;
    if (edited.includes("console.log")) throw new Error(`the ${file} stub changed shape: update recordStripeStubs`);
    await writeFile(path.join(dir, file), edited);
    names.push(name);
  }
  return names;
}

export async function readCalls(log: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(log, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, any>);
}
