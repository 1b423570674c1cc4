/**
 * The 56-byte brick entry stored for every octree node in hierarchy pages:
 * where the brick's bytes are, how they are encoded, and its stats, so
 * uniform / out-of-range bricks are handled without touching their bytes.
 */
import { FlatvoxError } from "../shared/errors";
import { dataView, readU64, writeU64 } from "./binary";
import { BRICK_DEDUP, BRICK_ENTRY_SIZE, Encoding, type EncodingCode } from "./constants";

export interface BrickStats {
  /** Smallest non-NaN value (NaN when every voxel is NaN). For a uniform brick: its value. */
  min: number;
  max: number;
  /** Scalar: mean of non-NaN voxels. Categorical: the dominant (most frequent) value. */
  mean: number;
  /** Fraction of voxels equal to the dominant value (categorical); 1 for uniform bricks, else 0 for scalar. */
  homogeneity: number;
  /** Voxels that are not NaN (all voxels for integer dtypes). */
  validCount: number;
}

export interface BrickEntry extends BrickStats {
  encoding: EncodingCode;
  /** Bytes shared with the same brick of an earlier timestep (offset/length reused). */
  dedup: boolean;
  /** xxHash32 of the stored bytes (0 when length is 0). */
  checksum: number;
  offset: number;
  length: number;
  /** Encoding 2: timestep whose decoded brick is the XOR reference (always < this timestep). */
  refT: number;
}

export function writeBrickEntry(v: DataView, at: number, e: BrickEntry): void {
  v.setUint8(at, e.encoding);
  v.setUint8(at + 1, e.dedup ? BRICK_DEDUP : 0);
  v.setUint16(at + 2, 0, true);
  v.setUint32(at + 4, e.checksum, true);
  writeU64(v, at + 8, e.offset);
  v.setUint32(at + 16, e.length, true);
  v.setUint32(at + 20, e.refT, true);
  v.setFloat64(at + 24, e.min, true);
  v.setFloat64(at + 32, e.max, true);
  v.setFloat64(at + 40, e.mean, true);
  v.setFloat32(at + 48, e.homogeneity, true);
  v.setUint32(at + 52, e.validCount, true);
}

/** Parse one entry; `base` is the file offset of the record's page for error context. */
export function readBrickEntry(bytes: Uint8Array, at: number, section: string, base: number): BrickEntry {
  const v = dataView(bytes);
  if (at + BRICK_ENTRY_SIZE > bytes.length) {
    throw new FlatvoxError("TruncatedError", "brick entry cut short", { section, offset: base + at });
  }
  const encoding = v.getUint8(at);
  if (encoding > Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
    throw new FlatvoxError("FormatError", `unknown brick encoding ${encoding}`, {
      section,
      offset: base + at,
    });
  }
  const flags = v.getUint8(at + 1);
  if ((flags & ~BRICK_DEDUP) !== 0) {
    throw new FlatvoxError("FormatError", `unknown brick flags 0x${flags.toString(16)}`, {
      section,
      offset: base + at,
    });
  }
  const length = v.getUint32(at + 16, true);
  if (encoding === Encoding.UNIFORM && length !== 0) {
    throw new FlatvoxError("FormatError", "uniform brick with stored bytes", { section, offset: base + at });
  }
  return {
    encoding: encoding as EncodingCode,
    dedup: (flags & BRICK_DEDUP) !== 0,
    checksum: v.getUint32(at + 4, true),
    offset: readU64(v, at + 8, section, base),
    length,
    refT: v.getUint32(at + 20, true),
    min: v.getFloat64(at + 24, true),
    max: v.getFloat64(at + 32, true),
    mean: v.getFloat64(at + 40, true),
    homogeneity: v.getFloat32(at + 48, true),
    validCount: v.getUint32(at + 52, true),
  };
}
