/**
 * A handler's output cut into lines, in time linear in its size: a line is kept
 * up to MAX_OUTPUT_LINE_CHARS and the rest of it only counted, so one huge line
 * (a handler printing a 100 MB blob) costs dev a pass over the bytes, not
 * memory or CPU that grows with the square of the line.
 */

/** What dev keeps of one output line; CloudWatch Logs keeps at most 256 KB an event. */
export const MAX_OUTPUT_LINE_CHARS = 16 * 1024;

export class OutputLines {
  private parts: string[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly maxChars = MAX_OUTPUT_LINE_CHARS) {}

  /** The lines this chunk completes. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      this.add(chunk, start, end);
      lines.push(this.take());
      start = end + 1;
    }
    this.add(chunk, start, chunk.length);
    return lines;
  }

  /** The last line, if the output did not end with a newline. */
  end(): string | undefined {
    return this.kept === 0 && this.dropped === 0 ? undefined : this.take();
  }

  private add(chunk: string, start: number, end: number): void {
    const room = this.maxChars - this.kept;
    const keep = Math.min(room, end - start);
    if (keep > 0) {
      this.parts.push(chunk.slice(start, start + keep));
      this.kept += keep;
    }
    this.dropped += end - start - Math.max(keep, 0);
  }

  private take(): string {
    const line = this.parts.length === 1 ? this.parts[0]! : this.parts.join("");
    const dropped = this.dropped;
    this.parts = [];
    this.kept = 0;
    this.dropped = 0;
    return dropped === 0 ? line : `${line} … [${thousands(dropped)} more characters of this line not shown]`;
  }
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
