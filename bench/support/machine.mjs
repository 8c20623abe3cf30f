/** Where and on what a benchmark ran: the machine, the date, the code. */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** CPU, cores, memory, OS, Node version and date. */
export function machineLine() {
  const cpu = os.cpus()[0]?.model ?? "unknown cpu";
  const gb = Math.round(os.totalmem() / 2 ** 30);
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  return `${cpu}, ${os.cpus().length} cores, ${gb} GB, ${os.platform()} ${os.release()}, node ${process.version}, ${date} UTC`;
}

/** Which code ran: the git commit, whether src/ has uncommitted changes, and when dist/ was built. */
export function codeLine(repo) {
  const git = (...args) => spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
  const head = git("log", "-1", "--format=%h (%ci)");
  const changed = git("status", "--porcelain", "--", "src").stdout.trim().split("\n").filter(Boolean).length;
  let built = "not built";
  try {
    built = `built ${statSync(path.join(repo, "dist", "cli", "main.js")).mtime.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  } catch {
    // no dist/cli/main.js
  }
  const commit = head.status === 0 ? `git ${head.stdout.trim()}` : "not a git checkout";
  return `${commit}${changed ? ` + ${changed} uncommitted file${changed === 1 ? "" : "s"} in src/` : ""}; dist/ ${built}`;
}
