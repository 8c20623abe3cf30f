/** Writing several files as one step: all of them change, or none does. */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stagingPath } from "../files/atomicFile.js";

export interface FileChange {
  path: string;
  /** undefined: the file does not exist yet. */
  before: string | undefined;
  after: string;
}

/**
 * Stage every file next to its target first (the step that can fail on a full
 * disk or a permission problem), then rename them into place; if a rename fails,
 * put back what was there.
 */
export async function writeFilesAtomically(changes: FileChange[]): Promise<void> {
  const staged: string[] = [];
  try {
    for (const change of changes) {
      await mkdir(path.dirname(change.path), { recursive: true });
      const temp = stagingPath(change.path);
      await writeFile(temp, change.after);
      staged.push(temp);
    }
  } catch (error) {
    await Promise.all(staged.map((temp) => rm(temp, { force: true })));
    throw error;
  }
  const done: FileChange[] = [];
  try {
    for (const [index, change] of changes.entries()) {
      await rename(staged[index]!, change.path);
      done.push(change);
    }
  } catch (error) {
    for (const change of done) {
      if (change.before === undefined) await rm(change.path, { force: true });
      else await writeFile(change.path, change.before);
    }
    await Promise.all(staged.map((temp) => rm(temp, { force: true })));
    throw error;
  }
}

/** A readable summary of a change: the lines it adds and removes (a line diff). */
export function describeChange(change: FileChange, root: string): string {
  const name = path.relative(root, change.path);
  if (change.before === undefined) {
    return [`create ${name}`, ...change.after.trimEnd().split("\n").map((line) => `  + ${line}`)].join("\n");
  }
  return [`modify ${name}`, ...lineDiff(change.before.split("\n"), change.after.split("\n"))].join("\n");
}

/** Longest-common-subsequence diff; the files add-message edits are small. */
function lineDiff(before: string[], after: string[]): string[] {
  const n = before.length;
  const m = after.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`  ${String(j + 1).padStart(4)} + ${after[j]}`);
      j++;
    } else {
      out.push(`  ${String(i + 1).padStart(4)} - ${before[i]}`);
      i++;
    }
  }
  return out;
}
