/**
 * The payload shapes `dev` checks messages against, derived from @letsgo/types
 * (../project/payloadSchemas.ts) in a short-lived process and kept in
 * apps/worker/.letsgo/payload-schemas.json with a hash of every file they were
 * read from: a start or a reload whose types did not change reads them back
 * (~1 ms) instead of loading the TypeScript checker again (~0.5 s). The file is
 * checksummed (checkedFile.ts): a damaged one is set aside, said, and derived
 * again, never read as a weaker check.
 *
 * Deriving never stops the worker: if it fails, payloads go unchecked and the
 * warning says why.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { DerivedPayloadSchemas } from "../../project/payloadSchemas.js";
import { VERSION } from "../../version.js";
import { readCheckedFile, writeCheckedFile } from "../journal/checkedFile.js";
import { runScriptProcess } from "../../project/scriptProcess.js";

/** Bumped when the derivation changes what it writes for the same types. */
const DERIVATION_VERSION = 2;

interface CacheFile {
  tool: string;
  derivation: number;
  typesIndex: string;
  /** Absolute path → sha256 of its content when derived. */
  hashes: Record<string, string>;
  derived: DerivedPayloadSchemas;
}

const EMPTY: DerivedPayloadSchemas = { schemas: { v: 1, messages: {}, defs: {} }, warnings: [], files: [] };

export class PayloadSchemaSource {
  constructor(
    private readonly typesIndex: string,
    private readonly cacheFile: string,
  ) {}

  private prefetched: Promise<DerivedPayloadSchemas> | undefined;

  /** Start reading now; the next current() takes this result, and the caller may wait on it too. */
  prefetch(): Promise<DerivedPayloadSchemas> {
    return (this.prefetched ??= this.read());
  }

  /** The shapes for the types as they are now on disk. */
  current(): Promise<DerivedPayloadSchemas> {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    return prefetched ?? this.read();
  }

  private async read(): Promise<DerivedPayloadSchemas> {
    if (!existsSync(this.typesIndex)) return EMPTY;
    const read = await readCheckedFile(this.cacheFile, isCacheFile);
    if (read.state === "ok") {
      const cached = await this.ifCurrent(read.value);
      if (cached) return cached;
    }
    const damage =
      read.state === "damaged"
        ? [`${path.basename(this.cacheFile)} was damaged (${read.reason})${read.setAside ? `: set aside as ${path.basename(read.setAside)}` : ""}; the shapes were derived again from the types`]
        : [];
    let derived: DerivedPayloadSchemas;
    try {
      derived = await deriveInChildProcess(this.typesIndex);
    } catch (error) {
      return { ...EMPTY, warnings: [...damage, `payloads are not checked: reading the types failed (${(error as Error).message.split("\n")[0]})`] };
    }
    await this.writeCache(derived).catch(() => undefined); // a cache that cannot be written only costs time
    return damage.length > 0 ? { ...derived, warnings: [...damage, ...derived.warnings] } : derived;
  }

  /** The cached shapes, if they were derived by this version from the types as they are now. */
  private async ifCurrent(cache: CacheFile): Promise<DerivedPayloadSchemas | undefined> {
    if (cache.tool !== VERSION || cache.derivation !== DERIVATION_VERSION || cache.typesIndex !== this.typesIndex) return undefined;
    for (const [file, hash] of Object.entries(cache.hashes)) {
      if ((await hashOf(file)) !== hash) return undefined;
    }
    return cache.derived;
  }

  private async writeCache(derived: DerivedPayloadSchemas): Promise<void> {
    const hashes: Record<string, string> = {};
    for (const file of derived.files) {
      const hash = await hashOf(file);
      if (hash) hashes[file] = hash;
    }
    const cache: CacheFile = { tool: VERSION, derivation: DERIVATION_VERSION, typesIndex: this.typesIndex, hashes, derived };
    await mkdir(path.dirname(this.cacheFile), { recursive: true });
    await writeCheckedFile(this.cacheFile, cache);
  }
}

function isCacheFile(value: unknown): value is CacheFile {
  const cache = value as Partial<CacheFile> | null;
  return (
    typeof cache === "object" && cache !== null &&
    typeof cache.tool === "string" && typeof cache.derivation === "number" && typeof cache.typesIndex === "string" &&
    typeof cache.hashes === "object" && cache.hashes !== null &&
    typeof cache.derived === "object" && cache.derived !== null && typeof cache.derived.schemas === "object" && Array.isArray(cache.derived.warnings)
  );
}

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return createHash("sha256").update(await readFile(file)).digest("hex");
  } catch {
    return undefined;
  }
}

/** Bounded: a checker stuck on a pathological type must not hold the worker's start. */
const DERIVE_TIMEOUT_MS = 60_000;

function deriveInChildProcess(typesIndex: string): Promise<DerivedPayloadSchemas> {
  return runScriptProcess<DerivedPayloadSchemas>(import.meta.url, "payloadSchemaProcess", [typesIndex], { timeoutMs: DERIVE_TIMEOUT_MS, what: "the deriving process" });
}
