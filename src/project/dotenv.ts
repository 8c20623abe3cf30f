/**
 * A small .env reader and editor. We write our own rather than use dotenv because
 * `keys generate` and `init` must change one key while keeping every other line,
 * comment and blank line exactly as the user left it.
 *
 * Grammar: `KEY=value`, optional `export ` prefix, `#` comments, values in single
 * quotes (literal), double quotes (`\n`, `\"` and `\\` escapes) or bare (trimmed,
 * a ` #` starts a comment).
 */

export interface EnvEntry {
  key: string;
  value: string;
  line: number; // 1-based, for error messages
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function parseEnv(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const match = LINE.exec(raw);
    if (!match) return;
    entries.push({ key: match[1]!, value: parseValue(match[2]!), line: index + 1 });
  });
  return entries;
}

export function envToRecord(text: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of parseEnv(text)) record[entry.key] = entry.value;
  return record;
}

function parseValue(rest: string): string {
  const trimmed = rest.trim();
  if (trimmed.startsWith("'")) {
    const end = trimmed.indexOf("'", 1);
    return end === -1 ? trimmed.slice(1) : trimmed.slice(1, end);
  }
  if (trimmed.startsWith('"')) {
    let out = "";
    for (let i = 1; i < trimmed.length; i++) {
      const ch = trimmed[i]!;
      if (ch === "\\" && i + 1 < trimmed.length) {
        const next = trimmed[++i]!;
        out += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
      } else if (ch === '"') {
        return out;
      } else {
        out += ch;
      }
    }
    return out;
  }
  const comment = trimmed.search(/\s#/);
  return (comment === -1 ? trimmed : trimmed.slice(0, comment)).trim();
}

/** Quote a value so that `parseValue` reads it back unchanged. */
export function formatValue(value: string): string {
  if (value === "") return "";
  if (/^[A-Za-z0-9_./:@,+()-]+$/.test(value)) return value;
  if (!value.includes("'") && !value.includes("\n")) return `'${value}'`;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * Set keys in .env text: replace the line of a key that is present, append the
 * others at the end. Everything else is kept byte for byte.
 */
export function setEnvValues(text: string, values: Record<string, string>): string {
  const pending = new Map(Object.entries(values));
  const lines = text.split("\n");
  const out = lines.map((raw) => {
    const match = LINE.exec(raw.replace(/\r$/, ""));
    if (!match || !pending.has(match[1]!)) return raw;
    const key = match[1]!;
    const line = `${key}=${formatValue(pending.get(key)!)}`;
    pending.delete(key);
    return line;
  });
  let result = out.join("\n");
  if (pending.size > 0) {
    if (result.length > 0 && !result.endsWith("\n")) result += "\n";
    for (const [key, value] of pending) result += `${key}=${formatValue(value)}\n`;
  }
  return result;
}
