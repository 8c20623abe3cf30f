/**
 * How commands talk to people: results on stdout, diagnostics on stderr, colour
 * only when the stream is a terminal (and NO_COLOR is unset).
 */
import { inspect } from "node:util";

function colorOn(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

function paint(code: number, stream: NodeJS.WriteStream) {
  return (text: string) => (colorOn(stream) ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const style = {
  bold: paint(1, process.stdout),
  dim: paint(2, process.stdout),
  green: paint(32, process.stdout),
  yellow: paint(33, process.stdout),
  red: paint(31, process.stdout),
  cyan: paint(36, process.stdout),
};

const errStyle = {
  red: paint(31, process.stderr),
  yellow: paint(33, process.stderr),
  dim: paint(2, process.stderr),
};

/** A result line: what scripts and people read. */
export function print(line = ""): void {
  process.stdout.write(line + "\n");
}

/** One JSON document on stdout for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** Progress and notes on stderr, so stdout stays clean for results. */
export function info(line: string): void {
  process.stderr.write(line + "\n");
}

export function warn(line: string): void {
  process.stderr.write(`${errStyle.yellow("warning:")} ${line}\n`);
}

export function printError(line: string): void {
  process.stderr.write(`${errStyle.red("error:")} ${line}\n`);
}

export function printBug(error: unknown): void {
  process.stderr.write(
    `${errStyle.red("error:")} unexpected failure (this is a bug in letsgo-worker, please report it):\n` +
      `${errStyle.dim(error instanceof Error ? (error.stack ?? error.message) : inspect(error))}\n`,
  );
}
