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
