/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven:
 * "slicing by 8" (eight 256-entry tables, eight bytes per step), about 500 MB/s
 * here, so replaying a 20 MB journal spends about 40 ms on checksums.
 *
 * Why this and not `zlib.crc32`: that is CRC32 (the zip/Ethernet polynomial)
 * and exists only from Node 20.15 / 22.2, while this package supports every
 * Node 20; and CRC32C is the checksum storage formats use for records of this
 * size (ext4 metadata, iSCSI, RocksDB's log) for its better error detection.
 */
const TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const [t0] = tables as [Int32Array];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) tables[t]![n] = (tables[t - 1]![n]! >>> 8) ^ t0[tables[t - 1]![n]! & 0xff]!;
  }
  return tables as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
})();

/** The CRC32C of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    crc =
      t7[crc & 0xff]! ^
      t6[(crc >>> 8) & 0xff]! ^
      t5[(crc >>> 16) & 0xff]! ^
      t4[crc >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < end; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The CRC32C of a string's UTF-8 bytes when it is plain ASCII (each char one byte): no Buffer needed. */
export function crc32cAscii(text: string): number {
  const t0 = TABLES[0];
  let crc = -1;
  for (let i = 0; i < text.length; i++) crc = t0[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
