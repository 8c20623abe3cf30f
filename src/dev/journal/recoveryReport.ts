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
export function recoveryLines(replay: ReplayResult & { messages?: number }, show: (file: string) => string = (file) => file): RecoveryLine[] {
  const lines: RecoveryLine[] = [];
  const seal = replay.seal;
  if (seal?.state === "cut") {
    const now = replay.messages ?? 0;
    const lost = Math.max(0, seal.sealedMessages - now);
    lines.push({
      level: "warn",
      text:
        `the journal is ${plural(seal.missingBytes, "byte")} shorter than its last acknowledged write (${count(seal.sealedBytes)} bytes; ${plural(seal.missingRecords, "record")} missing): ` +
        `it held ${plural(seal.sealedMessages, "message")} then and ${count(now)} now, so ${lost === 0 ? "no message is known to be" : `at least ${plural(lost, "acknowledged message")} (answered 201) ${lost === 1 ? "is" : "are"}`} lost` +
        " · the file was cut or replaced outside dev (a full disk never does this: dev answers 503 instead)",
    });
  }
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
    const cut = `cut ${plural(replay.tornTailBytes, "byte")} off the end`;
    // "Never acknowledged" only where the seal proves it: the tail lies past the last acknowledged write.
    const proven = seal?.state === "ok" && (replay.tornTailOffset ?? 0) >= seal.sealedBytes;
    lines.push({
      level: "warn",
      text: proven
        ? `${cut}: a write cut short by a crash, never acknowledged (no 201)`
        : seal?.state === "cut"
          ? `${cut}: an unfinished record inside the missing part above`
          : `${cut}: an unfinished record (the journal has no seal to say whether it had been acknowledged)`,
    });
  }
  if (replay.legacyRecords > 0) {
    lines.push({ level: "info", text: `converted ${plural(replay.legacyRecords, "record")} from the format before checksums` });
  }
  return lines;
}
