/**
 * Which project a dev worker serves, and which one a message comes from: the
 * `name` of the project's root package.json (its folder's name without one).
 * Two projects each run their own `dev`; the default port is one, so whatever
 * sends checks it reached its own: the CLI asks /health before sending, and the
 * app's @letsgo/queue names its project on every request (PROJECT_HEADER, from
 * the generated packages/queue/payloadSchemas.ts), which `dev` refuses with 409
 * when it is not its own. Both say it in the words of anotherProjectText.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface ProjectIdentity {
  name: string;
  root: string;
}

export function projectName(root: string): string {
  try {
    const name = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name?: unknown }).name;
    if (typeof name === "string" && name.trim() !== "") return name.trim();
  } catch {
    // no package.json, or not JSON: the folder names it
  }
  return path.basename(path.resolve(root));
}

/** Why nothing was sent: the dev worker at `url` serves another project than the sender's. */
export function anotherProjectText(url: string, serves: Partial<ProjectIdentity>, sender: Partial<ProjectIdentity>): string {
  const running = [serves.name && `"${serves.name}"`, serves.root && `(${serves.root})`].filter(Boolean).join(" ") || "another project";
  const own = sender.name ? `"${sender.name}"` : sender.root ?? "this project";
  const start = sender.root ? `\`letsgo-worker dev --cwd ${sender.root}\`` : `\`letsgo-worker dev\` in ${own}`;
  return (
    `The dev worker at ${url} runs ${running}, not ${own}: nothing was sent. ` +
    `Start ${own}'s own worker with ${start} (--port picks another port); its commands find it, and its app reaches it with LETSGO_LOCAL_QUEUE_URL.`
  );
}
