/**
 * Settings and secrets reach the function as configuration at deploy time, never
 * inside the image. The bundle never reads apps/worker/.env, but code can still
 * carry a pasted secret: refuse to build an image that would hold one.
 *
 * What is looked for, in every file that goes into the image (the bundle, its
 * source map, the Dockerfile, the install manifest) and every project file the
 * bundle is made from or names (a .json or .txt it imports or reads at run time):
 * - the value of each secret variable of .env (every variable the deploy rule
 *   makes a secret: src/aws/environment.ts), and the password (or, without one,
 *   the user name) of a secret URL, and the private part of a secret JWK; as
 *   written, or as a JS or JSON string literal escapes it;
 * - any private key: a PEM `-----BEGIN ... PRIVATE KEY-----` block with its
 *   base64 body, or a JWK (`kty` and a `d` member), as JSON or as a JS object literal.
 * Values that would match by chance are skipped (isTriviallyCommon). Findings name
 * the file and the variable, never the value.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { ProjectError } from "../errors.js";
import { isSecretKey, plainEnvKeys } from "../project/settings.js";
import { isForbiddenContextPath } from "./context.js";

/** A file the guard reads: its name as the user should see it, and its bytes. */
export interface GuardedFile {
  name: string;
  data: Buffer;
}

export interface Leak {
  file: string;
  /** "the value of DATABASE_URL", "a PEM private key": never the value itself. */
  what: string;
}

/** Shorter values are too likely to occur by chance (e.g. "true", "3600"). */
export const MIN_SECRET_LENGTH = 8;
/** A single word or a number shorter than this is likely to occur by chance ("production", "localhost", "5432"). */
const COMMON_WORD_LENGTH = 16;
/** Project files larger than this are not read (the bundle itself always is). */
const MAX_SCANNED_BYTES = 10 * 1024 * 1024;

/** Values a file could hold without holding the secret: too short, a plain word, a number. */
export function isTriviallyCommon(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH) return true;
  if (value.length < COMMON_WORD_LENGTH && (/^[A-Za-z]+$/.test(value) || /^[+-]?\d+(\.\d+)?$/.test(value))) return true;
  return false;
}

/**
 * The secret values among settings and .env variables (`{ ...settings, ...extra }`),
 * by the deploy rule: the worker's settings marked secret, and every variable of
 * the user's own that LETSGO_WORKER_PLAIN_ENV does not list. Empty values are left out.
 */
export function secretValues(values: Record<string, string | number>): Record<string, string> {
  const plain = plainEnvKeys({ LETSGO_WORKER_PLAIN_ENV: String(values.LETSGO_WORKER_PLAIN_ENV ?? "") });
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const text = String(value);
    if (text !== "" && isSecretKey(key, plain)) secrets[key] = text;
  }
  return secrets;
}

interface Needle {
  key: string;
  text: string;
  what: string;
}

/** What to look for of one secret: its value, and the parts of it that are secrets on their own. */
export function needlesOf(key: string, value: string): Needle[] {
  const parts: Array<[string, string]> = [[value, `the value of ${key}`]];
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value)) {
    try {
      const url = new URL(value);
      const [secret, what] = url.password ? [url.password, "password"] : [url.username, "user name"];
      parts.push([secret, `the ${what} in ${key}`], [safeDecode(secret), `the ${what} in ${key}`]);
    } catch {
      // Not a URL after all.
    }
  }
  if (value.trimStart().startsWith("{")) {
    try {
      const jwk = JSON.parse(value) as { d?: unknown };
      if (typeof jwk.d === "string") parts.push([jwk.d, `the private part ("d") of ${key}`]);
    } catch {
      // Not JSON.
    }
  }
  const pemLine = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s+([A-Za-z0-9+/=]{40,})/.exec(value)?.[1];
  if (pemLine) parts.push([pemLine, `part of ${key}`]);
  const seen = new Set<string>();
  return parts.flatMap(([text, what]) => {
    if (isTriviallyCommon(text) || seen.has(text)) return [];
    seen.add(text);
    return [{ key, text, what }];
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", v: "\v", 0: "\0" };

/** The text with JS and JSON string escapes (`\xF6`, `\u00f6`, `\u{1F600}`, `\"`, `\n`, ...) read as the characters they stand for. */
export function unescapeLiterals(text: string): string {
  return text.replace(/\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|([\s\S]))/g, (whole, hex, point, unit, char: string | undefined) => {
    const code = hex ?? point ?? unit;
    if (code !== undefined) {
      const n = parseInt(code, 16);
      return n <= 0x10ffff ? String.fromCodePoint(n) : whole;
    }
    return SIMPLE_ESCAPES[char!] ?? char!;
  });
}

const PEM = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----([\s\S]{0,12000}?)-----END \1PRIVATE KEY-----/g;
/** What a PEM body may hold, also when pasted as concatenated string literals: base64, line breaks, quotes, `+`, RFC 1421 headers. */
const PEM_BODY = /^(?:[A-Za-z0-9+/=\s"'`,]|\\[nr]|(?:Proc-Type|DEK-Info):[^\n\\]*)*$/;
const JWK_D = /(?<![\w$])(["'`]?)d\1\s*:\s*(["'`])[A-Za-z0-9_-]{20,}\2/g;
const JWK_KTY = /(?<![\w$])(["'`]?)kty\1\s*:/;

/** Private keys in a text, whatever secret they belong to. */
export function privateKeysIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(PEM)) {
    const body = match[2]!;
    if (PEM_BODY.test(body) && /[A-Za-z0-9+/]{40}/.test(body)) {
      found.push("a PEM private key");
      break;
    }
  }
  for (const match of text.matchAll(JWK_D)) {
    const at = match.index!;
    const open = text.lastIndexOf("{", at);
    const close = text.indexOf("}", at);
    if (open < 0 || close < 0 || text.slice(open, at).includes("}") || text.slice(at, close).includes("{")) continue;
    if (JWK_KTY.test(text.slice(open, close))) {
      found.push('a private JWK (an object with a "d" member)');
      break;
    }
  }
  return found;
}

/** Every secret value (`secrets`: key → value) and private key found in the files; each file and finding once. */
export function findLeaks(secrets: Record<string, string>, files: readonly GuardedFile[]): Leak[] {
  const needles = Object.entries(secrets).flatMap(([key, value]) => needlesOf(key, value));
  const leaks: Leak[] = [];
  for (const file of files) {
    const raw = file.data.toString("utf8");
    const texts = [raw, unescapeLiterals(raw)];
    const found = new Set<string>();
    const keys = new Set<string>();
    for (const needle of needles) {
      // One finding per variable and file: its whole value, else the first of its parts.
      if (keys.has(needle.key) || !texts.some((text) => text.includes(needle.text))) continue;
      keys.add(needle.key);
      found.add(needle.what);
    }
    for (const text of texts) for (const what of privateKeysIn(text)) found.add(what);
    for (const what of found) leaks.push({ file: file.name, what });
  }
  return leaks;
}

/** String literals in source that look like a file name: `"./data.json"`, `'secrets.txt'`, `` `../keys/a.pem` ``. */
const FILE_LITERAL = /(["'`])((?:\.{1,2}\/)?[\w@\-./]{1,200}?\.[A-Za-z0-9]{1,10})\1/g;
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?)$/;

/**
 * The project's own files the bundle was made from (`inputs`, esbuild's metafile
 * paths, relative to `root`), and the files their source names that exist: data
 * the worker reads at run time, e.g. `readFileSync(new URL("./data.json", import.meta.url))`.
 * Files in node_modules or outside the project are left out (what the bundle
 * takes from them is in the bundle itself), and so are .env files and local
 * state, which hold secrets by design and never reach an image.
 */
export async function projectFiles(root: string, inputs: readonly string[]): Promise<GuardedFile[]> {
  const files = new Map<string, GuardedFile>();
  const add = async (absolute: string): Promise<GuardedFile | undefined> => {
    const name = path.relative(root, absolute).split(path.sep).join("/");
    if (name === "" || name.startsWith("../") || path.isAbsolute(name) || isForbiddenContextPath(name)) return undefined;
    if (files.has(name)) return files.get(name);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_SCANNED_BYTES) return undefined;
    const file = { name, data: await readFile(absolute) };
    files.set(name, file);
    return file;
  };
  for (const input of inputs) {
    if (/^[a-z-]+:/i.test(input)) continue; // another namespace than the file system
    const source = await add(path.resolve(root, input));
    if (!source || !SOURCE_FILE.test(source.name)) continue;
    for (const match of source.data.toString("utf8").matchAll(FILE_LITERAL)) {
      const named = match[2]!;
      if (named.startsWith("/")) continue;
      // Relative to the file (new URL(..., import.meta.url), __dirname), else to the project (the process's directory).
      if (!(await add(path.resolve(root, path.dirname(source.name), named))) && !named.startsWith(".")) await add(path.resolve(root, named));
    }
  }
  return [...files.values()];
}

/**
 * Refuse files that hold a secret of .env (`values`: settings and .env's own
 * variables, `{ ...settings, ...extra }`) or any private key. A bare Buffer is
 * named "the worker bundle".
 */
export function assertNoSecrets(values: Record<string, string | number>, files: readonly (Buffer | GuardedFile)[], envFile: string): void {
  const named = files.map((file) => (Buffer.isBuffer(file) ? { name: "the worker bundle", data: file } : file));
  const leaks = findLeaks(secretValues(values), named);
  if (leaks.length === 0) return;
  const lines = leaks.map((leak) => `  ${leak.file} contains ${leak.what}`);
  throw new ProjectError(
    `Refusing to build: the worker image would hold secrets (values from ${envFile}, and private keys):\n${lines.join("\n")}\n` +
      `Secrets must not be baked into the image: read them from process.env at run time (deploy stores them as SSM SecureString ` +
      `parameters and the runtime loads them before the first message), and remove them from these files ` +
      `(index.mjs and index.mjs.map are the bundle and its source map). ` +
      `A variable that is not a secret can be listed in LETSGO_WORKER_PLAIN_ENV.`,
  );
}
