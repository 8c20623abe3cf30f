/** What the banner says about the journal's recovery at start: what was cut, skipped and converted. Pure. */
import type { ReplayResult } from "./journalRecovery.js";

export interface RecoveryLine {
  /** "warn": something was not loaded; "info": nothing was lost. */
  level: "warn" | "info";
  text: string;
}

const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

/** One line per thing recovery did; none for a clean journal. `show` turns a file path into what to print. */
export function recoveryLines(replay: ReplayResult, show: (file: string) => string = (file) => file): RecoveryLine[] {
  const lines: RecoveryLine[] = [];
  if (replay.quarantined.length > 0) {
    const bytes = replay.quarantined.reduce((sum, line) => sum + line.bytes, 0);
    const offsets = replay.quarantined.slice(0, 3).map((line) => count(line.offset));
    const more = replay.quarantined.length > 3 ? `, and ${count(replay.quarantined.length - 3)} more` : "";
    lines.push({
      level: "warn",
      text:
        `skipped ${plural(replay.quarantined.length, "damaged line")} (${plural(bytes, "byte")}, at byte ${offsets.join(", ")}${more}): ` +
        `never loaded; copied to ${show(replay.quarantineFile ?? "")}; every good record after ${replay.quarantined.length === 1 ? "it" : "them"} was kept`,
    });
  }
  if (replay.tornTail) {
    lines.push({ level: "warn", text: `cut ${plural(replay.tornTailBytes, "byte")} off the end: a write cut short by a crash, never acknowledged (no 201)` });
  }
  if (replay.legacyRecords > 0) {
    lines.push({ level: "info", text: `converted ${plural(replay.legacyRecords, "record")} from the format before checksums` });
  }
  return lines;
}
