/**
 * Which strings a string-like type admits, decided as the TypeScript checker
 * decides it for a string literal: template literal types (`order_${string}`,
 * `${number}px`, `id_${bigint}`), the intrinsic Uppercase / Lowercase /
 * Capitalize / Uncapitalize, and which object keys an index signature covers.
 *
 * The rules follow the checker's own (TypeScript 5.9 / 6.0 checker.ts):
 * - a template is matched left to right, each text between two holes at its
 *   first occurrence (no backtracking: `${string}-${number}` refuses "a-b-1",
 *   as TypeScript does, though a regular expression would accept it);
 * - a `${number}` hole takes any text `+text` reads as a finite number
 *   (".5", "+1", "0x10", "1.", " 1" — but not "", "1e400", "abc");
 * - a `${bigint}` hole takes a bigint literal without the `n`, optionally negative;
 * - Uppercase<T> admits a string that Uppercase leaves unchanged and that T admits;
 * - a number index signature covers the keys that read back as themselves
 *   through Number ("1", "1.5", "-1", "NaN"; not "01" or "1e21").
 * test/payloadOracle.test.ts holds these against the checker itself.
 */
import type { Shape, CaseMapping } from "./payloadShapeTypes.js";


/** Whether the string literal `text` is assignable to a string-like shape (any other shape: false). */
export function stringFits(shape: Shape, text: string): boolean {
  switch (shape.k) {
    case "any":
    case "string":
      return true;
    case "literal":
      return shape.v === text;
    case "tpl":
      return templateFits(shape.texts, shape.holes, text);
    case "case":
      return caseFits(shape, text);
    case "pattern":
      return compiled(shape.re).test(text);
    case "union":
      return shape.of.some((member) => stringFits(member, text));
    default:
      return false;
  }
}

const patterns = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source)));
  return pattern;
}

/** Whether an object key is one an index signature with this key type covers. */
export function keyFits(key: Shape, name: string): boolean {
  return key.k === "number" ? isNumericKey(name) : stringFits(key, name);
}

/** A key that a number index signature covers: `(+name).toString() === name`, as TypeScript decides it. */
export function isNumericKey(name: string): boolean {
  return String(+name) === name;
}

/** What a `${number}` hole takes: any non-empty text that reads as a finite number. */
export function isNumberText(text: string): boolean {
  return text !== "" && Number.isFinite(+text);
}

const BIGINT_TEXT = /^-?(?:0|[1-9][0-9]*|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/;

/** What a `${bigint}` hole takes: a bigint literal's digits (decimal, hex, octal, binary), maybe negative. */
export function isBigIntText(text: string): boolean {
  return BIGINT_TEXT.test(text);
}

export function applyCase(mapping: CaseMapping, text: string): string {
  switch (mapping) {
    case "Uppercase":
      return text.toUpperCase();
    case "Lowercase":
      return text.toLowerCase();
    case "Capitalize":
      return text.charAt(0).toUpperCase() + text.slice(1);
    case "Uncapitalize":
      return text.charAt(0).toLowerCase() + text.slice(1);
  }
}

/** Uppercase<Lowercase<T>>: every mapping, innermost first, leaves the text as it is, and T admits it. */
function caseFits(shape: Extract<Shape, { k: "case" }>, text: string): boolean {
  const mappings: CaseMapping[] = [];
  let inner: Shape = shape;
  while (inner.k === "case") {
    mappings.unshift(inner.m);
    inner = inner.of;
  }
  let mapped = text;
  for (const mapping of mappings) mapped = applyCase(mapping, mapped);
  if (mapped !== text) return false;
  return inner.k === "any" || inner.k === "string" || inner.k === "tpl" ? stringFits(inner, text) : false;
}

/** What one hole of a template takes (TypeScript's isValidTypeForTemplateLiteralPlaceholder for a string literal). */
function holeFits(hole: Shape, text: string): boolean {
  switch (hole.k) {
    case "number":
      return isNumberText(text);
    case "bigint":
      return isBigIntText(text);
    case "boolean":
      return text === "true" || text === "false";
    case "null":
      return text === "null";
    case "literal":
      return String(hole.v) === text;
    default:
      return stringFits(hole, text);
  }
}

/** A string literal against `texts[0]${holes[0]}texts[1]...`: the checker's left-to-right inference, then each hole. */
function templateFits(texts: string[], holes: Shape[], text: string): boolean {
  const first = texts[0]!;
  const last = texts[texts.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const body = text.slice(0, text.length - last.length);
  let pos = first.length;
  for (let i = 1; i < texts.length - 1; i++) {
    const delimiter = texts[i]!;
    let end: number;
    if (delimiter.length > 0) {
      end = body.indexOf(delimiter, pos);
      if (end < 0) return false;
    } else if (pos < body.length) {
      end = pos + 1; // two holes side by side: the first takes one character
    } else {
      return false;
    }
    if (!holeFits(holes[i - 1]!, body.slice(pos, end))) return false;
    pos = end + delimiter.length;
  }
  return holeFits(holes[holes.length - 1]!, body.slice(pos));
}
