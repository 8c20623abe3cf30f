/**
 * The fixture the deploy tests share: one moto per test file, a fresh project
 * with a known .env before each test, and a `deploy` that records the calls it
 * makes. The bindings below are live: test files import them and see each
 * test's project.
 */
import { after, before, beforeEach } from "node:test";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { prepareDeploy } from "../../src/aws/deploy.ts";
import { callLog } from "../../src/aws/calls.ts";
import { pendingSteps } from "../../src/aws/plan.ts";
import { startMoto, useMotoEnv, TEST_REGION, type Moto } from "./moto.ts";
import { tempDir } from "./cli.ts";

export const ACCOUNT = "123456789012";
export const IMAGE = `${ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/letsgo-main-worker:v1`;
export const NAME = "letsgo-main-worker";
export const BASE_ENV = ["LETSGO_WORKER_SCHEDULE=cron(0 9 ? * MON-FRI *)", "LETSGO_WORKER_SCHEDULE_TIMEZONE=Europe/Berlin", "STRIPE_WEBHOOK_SECRET=whsec_test123", "SHOP_NAME=acme"];

export let moto: Moto;
export let project: { dir: string; cleanup: () => Promise<void> };

export async function writeEnv(lines: string[]): Promise<void> {
  await mkdir(path.join(project.dir, "apps", "worker"), { recursive: true });
  await writeFile(path.join(project.dir, "apps", "worker", ".env"), lines.join("\n") + "\n");
}

/** Plan and apply one deploy; returns the plan's steps and the mutating calls it made. */
export async function deploy(options: { image?: string; dryRun?: boolean } = {}) {
  const log = callLog();
  // moto's ECR holds no such image and serves no blobs: nothing could read its architecture (deploy-image.test.ts shows the check).
  const prepared = await prepareDeploy({ cwd: project.dir, image: options.image ?? IMAGE, skipArchitectureCheck: true, recorder: log.record });
  try {
    const pending = pendingSteps(prepared.plan).map((step) => step.id);
    if (!options.dryRun) await prepared.apply();
    return { plan: prepared.plan, pending, mutating: log.mutating().map((call) => call.command), calls: log.calls };
  } finally {
    prepared.close();
  }
}

export const client = <T>(make: (config: { region: string }) => T) => make({ region: TEST_REGION });

/** Register the hooks; call once at the top of a test file. */
export function useDeployFixture(): void {
  let restoreEnv: (() => void) | undefined;
  before(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
  });
  after(async () => {
    restoreEnv?.();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await project?.cleanup();
    project = await tempDir("letsgo-aws-");
    await writeEnv(BASE_ENV);
  });
  after(async () => project?.cleanup());
}
