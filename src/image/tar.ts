/**
 * A minimal ustar writer. Build contexts are a handful of small files we already
 * hold in memory, so writing the archive ourselves keeps it byte-for-byte
 * deterministic (fixed owner and mtime) and avoids walking the user's disk.
 */

export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading slash. */
  name: string;
  type?: "file" | "directory" | "symlink";
  data?: Uint8Array;
  /** Target of a symlink. */
  linkName?: string;
  mode?: number;
}

const BLOCK = 512;

export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === "file" || entry.type === undefined ? Buffer.from(entry.data ?? []) : Buffer.alloc(0);
    parts.push(header(entry, data.length));
    if (data.length > 0) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const type = entry.type ?? "file";
  let name = entry.name.replace(/^\/+/, "");
  if (type === "directory" && !name.endsWith("/")) name += "/";
  const [prefix, base] = splitName(name);
  block.write(base, 0, 100, "utf8");
  writeOctal(block, 100, 8, entry.mode ?? (type === "directory" ? 0o755 : type === "symlink" ? 0o777 : 0o644));
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0); // mtime: fixed, so equal input gives equal bytes
  block.write("        ", 148, 8, "ascii"); // checksum placeholder: spaces while summing
  block.write(type === "directory" ? "5" : type === "symlink" ? "2" : "0", 156, 1, "ascii");
  if (entry.linkName) {
    if (Buffer.byteLength(entry.linkName) > 100) throw new Error(`tar: link target too long: ${entry.linkName}`);
    block.write(entry.linkName, 157, 100, "utf8");
  }
  block.write("ustar\u000000", 257, 8, "ascii");
  block.write("root", 265, 32, "ascii");
  block.write("root", 297, 32, "ascii");
  if (prefix) block.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, 8, "ascii");
  return block;
}

/** ustar stores long names as prefix (155 bytes) + "/" + name (100 bytes). */
function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ["", name];
  for (let cut = name.lastIndexOf("/", name.length - 2); cut > 0; cut = name.lastIndexOf("/", cut - 1)) {
    const prefix = name.slice(0, cut);
    const base = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return [prefix, base];
  }
  throw new Error(`tar: path too long: ${name}`);
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width} bytes`);
  block.write(digits.padStart(width - 1, "0") + "\u0000", offset, width, "ascii");
}
