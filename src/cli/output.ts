/**
 * How commands talk to people: results on stdout, diagnostics on stderr, colour
 * only when the stream is a terminal (and NO_COLOR is unset).
 */
import { inspect } from "node:util";

function colorOn(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

// Styles paint whenever either stream is a terminal; each writer below strips
// the paint again if its own stream is not one (so `2>log` stays plain).
const anyTerminal = () => colorOn(process.stdout) || colorOn(process.stderr);

function paint(code: number) {
  return (text: string) => (anyTerminal() ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const style = {
  bold: paint(1),
  dim: paint(2),
  green: paint(32),
  yellow: paint(33),
  red: paint(31),
  cyan: paint(36),
};


const ANSI = /\u001b\[[0-9;]*m/g;

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  stream.write(colorOn(stream) ? text : text.replace(ANSI, ""));
}

/** A result line: what scripts and people read. */
export function print(line = ""): void {
  writeTo(process.stdout, line + "\n");
}

/** One JSON document on stdout for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** Progress and notes on stderr, so stdout stays clean for results. */
export function info(line: string): void {
  writeTo(process.stderr, line + "\n");
}

export function warn(line: string): void {
  writeTo(process.stderr, `${style.yellow("warning:")} ${line}\n`);
}

export function printError(line: string): void {
  writeTo(process.stderr, `${style.red("error:")} ${line}\n`);
}

export function printBug(error: unknown): void {
  writeTo(
    process.stderr,
    `${style.red("error:")} unexpected failure (this is a bug in letsgo-worker, please report it):\n` +
      `${style.dim(error instanceof Error ? (error.stack ?? error.message) : inspect(error))}\n`,
  );
}

/** All of standard input, as text (`--payload -`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
