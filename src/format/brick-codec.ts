/**
 * Brick decoding, kept to one pure function over bytes so it can move into a
 * worker or be replaced by the WASM core without touching the reader.
 */
import { FlatvoxError } from "../shared/errors";
import { allocTyped, bytesPerValue, type DType, type TypedArray, viewTyped } from "../shared/types";
import type { BrickEntry } from "./brick-entry";
import { unshuffleBytes } from "./byte-shuffle";
import { Encoding, zstdBound } from "./constants";
import { zstdDecompressExact } from "./zstd";

export interface DecodeContext {
  dtype: DType;
  /** Voxels in the (clipped) brick: the decoded size is exactly voxels × bytes per value. */
  voxels: number;
  /** Encoding 2: the decoded reference brick (same brick at entry.refT). */
  reference?: TypedArray;
  /** For error messages. */
  section?: string;
}

/** Decode a brick's stored bytes (already checksum-verified) into a typed array of `ctx.voxels` values. */
export function decodeBrick(entry: BrickEntry, bytes: Uint8Array, ctx: DecodeContext): TypedArray {
  const errCtx = { section: ctx.section ?? "brick", offset: entry.offset, length: entry.length };
  const size = bytesPerValue(ctx.dtype);
  const expected = ctx.voxels * size;
  if (entry.encoding === Encoding.UNIFORM) {
    const out = allocTyped(ctx.dtype, ctx.voxels);
    out.fill(entry.min);
    return out;
  }
  if (bytes.length !== entry.length) {
    throw new FlatvoxError("TruncatedError", `brick has ${bytes.length} of ${entry.length} bytes`, errCtx);
  }
  if (entry.length > zstdBound(expected)) {
    throw new FlatvoxError(
      "LimitError",
      `brick stores ${entry.length} bytes for ${expected} decoded`,
      errCtx,
    );
  }
  const shuffled = zstdDecompressExact(bytes, expected, errCtx);
  const raw = new Uint8Array(expected);
  unshuffleBytes(shuffled, size, raw);
  if (entry.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
    const ref = ctx.reference;
    if (!ref || ref.byteLength !== expected) {
      throw new FlatvoxError("FormatError", "delta brick without a matching reference brick", errCtx);
    }
    const rb = new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength);
    // XOR four bytes at a time where alignment allows; both buffers start at offset 0 of fresh arrays here.
    if (expected % 4 === 0 && rb.byteOffset % 4 === 0) {
      const a = new Uint32Array(raw.buffer, 0, expected >>> 2);
      const b = new Uint32Array(rb.buffer, rb.byteOffset, expected >>> 2);
      for (let i = 0; i < a.length; i++) a[i] ^= b[i];
    } else {
      for (let i = 0; i < expected; i++) raw[i] ^= rb[i];
    }
  }
  return viewTyped(ctx.dtype, raw);
}
