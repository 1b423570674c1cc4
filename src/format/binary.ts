/** Little-endian helpers over DataView; u64 values are kept below 2^53 and read as numbers. */
import { FlatvoxError } from "../shared/errors";

export function readU64(v: DataView, at: number, section: string, base = 0): number {
  const lo = v.getUint32(at, true);
  const hi = v.getUint32(at + 4, true);
  if (hi >= 0x200000) {
    throw new FlatvoxError("LimitError", "64-bit value beyond 2^53", { section, offset: base + at });
  }
  return hi * 0x100000000 + lo;
}

export function writeU64(v: DataView, at: number, value: number): void {
  v.setUint32(at, value >>> 0, true);
  v.setUint32(at + 4, Math.floor(value / 0x100000000), true);
}

/** Throws TruncatedError unless `need` bytes exist from `at` in a `have`-byte buffer. */
export function need(have: number, at: number, count: number, section: string, base = 0): void {
  if (at + count > have) {
    throw new FlatvoxError(
      "TruncatedError",
      `${section} needs ${count} bytes at ${at}, only ${have - at} present`,
      {
        section,
        offset: base + at,
        length: count,
      },
    );
  }
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
