/**
 * What the browser tests share: Debian's chromium driven by playwright-core
 * (which downloads nothing), and a copy of the bundled example to run `dev` on.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { REPO_ROOT } from "./cli.js";

const CHROMIUM = process.env.LETSGO_CHROMIUM ?? "/usr/bin/chromium";

/** The real browser; a missing one fails the test, saying how to get it. */
export function launchBrowser(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set LETSGO_CHROMIUM.`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** examples/shop copied to a new temp dir (the caller removes it). */
export async function copyExample(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await cp(path.join(REPO_ROOT, "examples", "shop"), dir, { recursive: true });
  return dir;
}
