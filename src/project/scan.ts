/**
 * A small TypeScript token scanner for the read-only questions that must answer
 * fast (`list-messages`, `enqueue`'s type check): which members the MessageType
 * enum has and which keys the handlers map registers. Loading the TypeScript
 * compiler costs ~0.5 s; this costs microseconds. Edits (`add-message`) use the
 * real syntax tree instead.
 */

type Token = { kind: "ident" | "string" | "punct"; text: string };

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (source.startsWith("//", i)) {
      const end = source.indexOf("\n", i);
      i = end === -1 ? source.length : end;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 2;
    } else if (ch === '"' || ch === "'" || ch === "`") {
      let j = i + 1;
      let text = "";
      while (j < source.length && source[j] !== ch) {
        if (source[j] === "\\") {
          text += source[j + 1] ?? "";
          j += 2;
        } else {
          text += source[j++];
        }
      }
      tokens.push({ kind: "string", text });
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(ch)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_$]/.test(source[j]!)) j++;
      tokens.push({ kind: "ident", text: source.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: "punct", text: ch });
      i++;
    }
  }
  return tokens;
}

export interface EnumMember {
  name: string;
  value: string;
}

/** Members of `enum <name> { A = "a", ... }` (string-valued members only). */
export function scanEnum(source: string, enumName: string): EnumMember[] | undefined {
  const tokens = tokenize(source);
  const start = tokens.findIndex((t, k) => t.text === "enum" && tokens[k + 1]?.text === enumName && tokens[k + 2]?.text === "{");
  if (start === -1) return undefined;
  const members: EnumMember[] = [];
  for (let k = start + 3; k < tokens.length && tokens[k]!.text !== "}"; k++) {
    const name = tokens[k]!;
    if ((name.kind === "ident" || name.kind === "string") && tokens[k + 1]?.text === "=" && tokens[k + 2]?.kind === "string") {
      members.push({ name: name.text, value: tokens[k + 2]!.text });
      k += 2;
    }
  }
  return members;
}

export type HandlerKey = { enumMember: string } | { literal: string };

/** Keys of the object literal assigned to `const <name> ... = { ... }`. */
export function scanHandlerKeys(source: string, variableName = "handlers"): HandlerKey[] | undefined {
  const tokens = tokenize(source);
  let k = tokens.findIndex((t, n) => t.text === variableName && ["const", "let", "var"].includes(tokens[n - 1]?.text ?? ""));
  if (k === -1) return undefined;
  while (k < tokens.length && tokens[k]!.text !== "=") k++;
  if (tokens[k + 1]?.text !== "{") return undefined;
  const keys: HandlerKey[] = [];
  let depth = 0;
  let keyStart = false; // the next token at depth 1 begins a property
  for (k = k + 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (depth === 1 && keyStart) {
      keyStart = false;
      if (t.text === "[" && tokens[k + 2]?.text === "." && tokens[k + 4]?.text === "]") {
        keys.push({ enumMember: tokens[k + 3]!.text });
      } else if (t.text === "[" && tokens[k + 1]?.kind === "string" && tokens[k + 2]?.text === "]") {
        keys.push({ literal: tokens[k + 1]!.text });
      } else if ((t.kind === "string" || t.kind === "ident") && tokens[k + 1]?.text === ":") {
        keys.push({ literal: t.text });
      } else if (t.kind === "ident" && (tokens[k + 1]?.text === "," || tokens[k + 1]?.text === "}")) {
        keys.push({ literal: t.text }); // shorthand property
      }
    }
    if (t.kind === "punct" && "{([".includes(t.text)) depth++;
    else if (t.kind === "punct" && "})]".includes(t.text)) depth--;
    if (depth === 0) break;
    if (depth === 1 && t.kind === "punct" && (t.text === "{" || t.text === ",")) keyStart = true;
  }
  return keys;
}
