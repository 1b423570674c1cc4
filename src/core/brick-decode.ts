/**
 * Brick decoding on core memory: the one brick pipeline (stored bytes → zstd
 * → byte-unshuffle → XOR delta against the previous link of a delta chain,
 * `decodeChain`), used in-thread and inside decode workers alike, plus
 * widening to f32 for GPU upload (rules in convert-js.ts), and 2×2×2 LOD downsampling with the
 * semantics of filters.ts. All kernel calls take byte offsets in core memory.
 */
import { Encoding, zstdBound } from "../format/constants";
import { xxhash32 } from "../format/xxhash32";
import { zstdDecompressInto } from "../format/zstd";
import { FlatvoxError } from "../shared/errors";
import type { DType, Vec3 } from "../shared/types";
import { bytesPerValue } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import { halfDims } from "./filters";
import { DTYPE_CODE } from "./layout";
import { resolveCore } from "./resolve-core";

/** "raw" keeps values; a range maps [lo, hi] → [0, 1]; "dtype" uses the integer dtype's full range. */
export type F32Mode = "raw" | "dtype" | { lo: number; hi: number };

/** One brick of a decode chain (format encodings 0, 1, 2). */
export interface ChainLink {
  encoding: number;
  /** File offset and stored length (for error context and the length check). */
  offset: number;
  length: number;
  /** Uniform bricks: their value. */
  value: number;
  /** When set, the decoder verifies the xxHash32 of the stored bytes itself. */
  checksum?: number;
}

/**
 * One brick to decode: `links` run from the keyframe to the wanted brick;
 * each delta link is XORed onto the previous link's decoded values. The
 * stored bytes of all links are concatenated in `bytes`, in link order.
 */
export interface BrickChain {
  dtype: DType;
  voxels: number;
  links: ChainLink[];
  bytes: Uint8Array;
  /** Error context section name (default "brick"). */
  section?: string;
}

export interface DecodeKernels {
  implementation: Implementation;
  core: Core;
  unshuffle(src: number, dst: number, byteLength: number, elemSize: number): void;
  shuffle(src: number, dst: number, byteLength: number, elemSize: number): void;
  /** dst = src XOR ref (dst may equal src). */
  xorDelta(src: number, ref: number, dst: number, byteLength: number): void;
  toF32(src: number, dtype: DType, count: number, dst: number, mode?: F32Mode): void;
  /** Downsample a brick of `dims`; writes halfDims(dims) values at dst and returns those dims. */
  downsample(src: number, dtype: DType, dims: Vec3, dst: number, kind: "mean" | "mode"): Vec3;
  /**
   * Undo a stored brick's filters on shuffled bytes at `src`: unshuffle into
   * `dst`, then XOR onto `reference` when given (the delta encoding).
   */
  unfilter(src: number, dst: number, byteLength: number, dtype: DType, reference?: number): void;
  /**
   * Copy shuffled (possibly XOR-delta) brick bytes in, undo the filters and
   * return the pointer of the decoded values (valid until the memory is reset).
   */
  decodeBrick(bytes: Uint8Array, dtype: DType, reference?: number): number;
  /**
   * Decode a chain into core memory (allocated above the current mark, so the
   * caller releases it); returns the pointer of the last link's values.
   * `checkCancelled` runs before each link and may throw.
   */
  decodeChain(job: BrickChain, checkCancelled?: () => void): number;
}

/** scale and bias of the f32 conversion for `mode`. */
export function f32Transform(dtype: DType, mode: F32Mode = "raw"): { scale: number; bias: number } {
  if (mode === "raw") return { scale: 1, bias: 0 };
  let lo: number;
  let hi: number;
  if (mode === "dtype") {
    const ranges: Record<DType, [number, number] | undefined> = {
      u8: [0, 255],
      u16: [0, 65535],
      i16: [-32768, 32767],
      u32: [0, 4294967295],
      f32: undefined,
    };
    const r = ranges[dtype];
    if (!r) throw new FlatvoxError("InputError", "f32 fields need an explicit range to normalise");
    [lo, hi] = r;
  } else {
    ({ lo, hi } = mode);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo))
    throw new FlatvoxError("InputError", `bad normalisation range [${lo}, ${hi}]`);
  const scale = Math.fround(1 / (hi - lo));
  return { scale, bias: Math.fround(-lo * scale) };
}

export async function createBrickDecoder(core?: Core | CoreOptions): Promise<DecodeKernels> {
  const c = await resolveCore(core);
  const ops = c.ops;
  return {
    implementation: c.implementation,
    core: c,
    unshuffle: (src, dst, len, size) => ops.unshuffle(src, dst, len, size),
    shuffle: (src, dst, len, size) => ops.shuffle(src, dst, len, size),
    xorDelta: (src, ref, dst, len) => ops.xorDelta(src, ref, dst, len),
    toF32(src, dtype, count, dst, mode = "raw") {
      const { scale, bias } = f32Transform(dtype, mode);
      ops.widenF32(src, DTYPE_CODE[dtype], count, dst, scale, bias);
    },
    downsample(src, dtype, dims, dst, kind) {
      const [nx, ny, nz] = dims;
      if (kind === "mean") ops.downsampleMean(src, DTYPE_CODE[dtype], nx, ny, nz, dst);
      else {
        const m = c.memory.mark();
        const scratch = c.memory.alloc(64);
        ops.downsampleMode(src, DTYPE_CODE[dtype], nx, ny, nz, dst, scratch);
        c.memory.release(m);
      }
      return halfDims(dims);
    },
    unfilter,
    decodeBrick(bytes, dtype, reference) {
      const src = c.memory.copyIn(bytes);
      const dst = c.memory.alloc(bytes.length);
      unfilter(src, dst, bytes.length, dtype, reference);
      return dst;
    },
    decodeChain: (job, checkCancelled) => decodeChain(c, unfilter, job, checkCancelled),
  };

  function unfilter(src: number, dst: number, byteLength: number, dtype: DType, reference?: number): void {
    ops.unshuffle(src, dst, byteLength, bytesPerValue(dtype));
    if (reference !== undefined) ops.xorDelta(dst, reference, dst, byteLength);
  }
}

function decodeChain(
  core: Core,
  unfilter: DecodeKernels["unfilter"],
  job: BrickChain,
  checkCancelled?: () => void,
): number {
  const { memory } = core;
  const expected = job.voxels * bytesPerValue(job.dtype);
  const section = job.section ?? "brick";
  if (!Number.isInteger(job.voxels) || job.voxels <= 0 || job.links.length === 0) {
    throw new FlatvoxError("FormatError", "empty decode job", { section });
  }
  const total = job.links.reduce((s, l) => s + l.length, 0);
  if (total !== job.bytes.length) {
    throw new FlatvoxError("TruncatedError", `decode job carries ${job.bytes.length} of ${total} bytes`, {
      section,
    });
  }
  // Two value buffers alternate along the chain (a delta needs only its predecessor) plus one input buffer.
  const bufs = [memory.alloc(expected), memory.alloc(expected)];
  let input = 0;
  let prev = -1;
  let pos = 0;
  for (let i = 0; i < job.links.length; i++) {
    checkCancelled?.();
    const link = job.links[i];
    const ctx = { section, offset: link.offset, length: link.length };
    const stored = job.bytes.subarray(pos, pos + link.length);
    pos += link.length;
    const dst = bufs[i & 1];
    if (link.checksum !== undefined && xxhash32(stored) !== link.checksum) {
      throw new FlatvoxError("ChecksumError", `${section} checksum mismatch`, ctx);
    }
    if (link.encoding === Encoding.UNIFORM) {
      memory.view(job.dtype, dst, job.voxels).fill(link.value);
      prev = dst;
      continue;
    }
    if (link.encoding !== Encoding.SHUFFLE_ZSTD && link.encoding !== Encoding.XOR_DELTA_SHUFFLE_ZSTD) {
      throw new FlatvoxError("FormatError", `unknown brick encoding ${link.encoding}`, ctx);
    }
    if (link.length > zstdBound(expected)) {
      throw new FlatvoxError("LimitError", `brick stores ${link.length} bytes for ${expected} decoded`, ctx);
    }
    const delta = link.encoding === Encoding.XOR_DELTA_SHUFFLE_ZSTD;
    if (delta && prev < 0) {
      throw new FlatvoxError("FormatError", "delta brick without a matching reference brick", ctx);
    }
    if (input === 0) input = memory.alloc(expected);
    const at = input;
    // Straight from the zstd decoder's buffer into core memory: no intermediate array.
    zstdDecompressInto(stored, expected, ctx, (shuffled) => memory.views().u8.set(shuffled, at));
    unfilter(input, dst, expected, job.dtype, delta ? prev : undefined);
    prev = dst;
  }
  return prev;
}
