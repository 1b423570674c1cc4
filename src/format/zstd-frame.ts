/**
 * Reads a zstd frame header (RFC 8878 §3.1.1) without decoding, so a reader
 * can refuse a frame whose declared content size differs from the size the
 * format expects before any output buffer is allocated.
 */
import { type ErrorContext, FlatvoxError } from "../shared/errors";

const ZSTD_MAGIC = 0xfd2fb528;

/** Declared content size of the frame at the start of `bytes`, or throws FormatError. */
export function frameContentSize(bytes: Uint8Array, ctx: ErrorContext): number {
  if (bytes.length < 6) throw new FlatvoxError("FormatError", "zstd frame too short", ctx);
  const magic = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) throw new FlatvoxError("FormatError", "not a zstd frame", ctx);
  const fhd = bytes[4];
  const fcsFlag = fhd >>> 6;
  const singleSegment = (fhd >>> 5) & 1;
  const reserved = (fhd >>> 3) & 1;
  const dictFlag = fhd & 3;
  if (reserved) throw new FlatvoxError("FormatError", "zstd frame header reserved bit set", ctx);
  if (dictFlag !== 0) throw new FlatvoxError("FormatError", "zstd frame needs a dictionary", ctx);
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (fcsBytes === 0)
    throw new FlatvoxError("FormatError", "zstd frame does not declare its content size", ctx);
  const at = 5 + (singleSegment ? 0 : 1);
  if (bytes.length < at + fcsBytes) throw new FlatvoxError("FormatError", "zstd frame header truncated", ctx);
  switch (fcsBytes) {
    case 1:
      return bytes[at];
    case 2:
      return (bytes[at] | (bytes[at + 1] << 8)) + 256;
    case 4:
      return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
    default: {
      const lo = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
      const hi = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
      return hi * 0x100000000 + lo;
    }
  }
}
