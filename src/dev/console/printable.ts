/**
 * Text from a message (its type, ids, an error a handler threw) shown on a
 * terminal: control characters (ANSI escape sequences, OSC, NUL, C1) and bidi
 * overrides, which could rewrite or hide what the screen shows, are printed as
 * visible `\u001b`-style escapes instead.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** One line: newlines are escaped too. */
export function printable(text: string): string {
  return text.replace(UNSAFE_OR_NEWLINE, escape);
}

/** Several lines (a load error, a stack): newlines and tabs stay. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * Our own colours (cli/output.ts's SGR codes: reset, bold, dim, red, green,
 * yellow, cyan), and every other control character, which is escaped.
 */
const UNSAFE_BUT_OUR_COLOURS = /\u001b(?!\[(?:0|1|2|3[1236])m)|[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The last step before dev's terminal: whatever a line holds (a handler's
 * output, a file name, a reason from the OS), only our own colour codes reach
 * the terminal as codes; newlines and tabs stay. In a JSON line the escapes it
 * writes are JSON's own, so the line still parses to the same value.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_BUT_OUR_COLOURS, escape);
}
