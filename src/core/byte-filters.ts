/**
 * The kernels the packer runs on plain arrays: byte shuffle (optionally of
 * the XOR delta against the previous timestep's brick) and the xxHash32
 * checksum of the stored bytes for brick encoding, and the 2×2×2 downsample
 * (mean, or mode for categorical fields) that builds the LOD pyramid.
 * Through the core's kernels, or their JS twins (shuffle and downsample in
 * filters.ts, xxhash32 in src/format/xxhash32.ts); the output is the same
 * either way.
 */
import { xxhash32 } from "../format/xxhash32";
import type { DType, TypedArray, Vec3 } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import type { CoreMemory } from "./core-memory";
import type { CoreOps } from "./core-ops";
import { downsampleMean, downsampleMode, halfDims, shuffle } from "./filters";
import { DTYPE_CODE } from "./layout";
import { kernelsOn } from "./resolve-core";

export interface ByteFilters {
  implementation: Implementation;
  /** shuffle(src XOR ref) (ref optional, same length; neither a shuffle result) into a buffer valid until the next call. */
  shuffle(src: Uint8Array, size: number, ref?: Uint8Array): Uint8Array;
  /** xxHash32 (seed 0) as an unsigned integer. */
  checksum(bytes: Uint8Array): number;
  /**
   * 2×2×2 downsample of x-fastest `src` of `dims` to halfDims(dims) (rules in
   * filters.ts: NaN left out of means, mode ties to the smallest value). The
   * result may be a view valid only until the next call.
   */
  downsample(src: TypedArray, dims: Vec3, dtype: DType, kind: "mean" | "mode"): TypedArray;
}

/** The JS twins, shuffling into one reused scratch buffer (no copies). */
export function jsByteFilters(): ByteFilters {
  let scratch = new Uint8Array(0);
  return {
    implementation: "js",
    shuffle(src, size, ref) {
      if (scratch.length < src.length) scratch = new Uint8Array(Math.max(src.length, scratch.length * 2));
      return shuffle(src, size, scratch.subarray(0, src.length), ref);
    },
    checksum: (bytes) => xxhash32(bytes),
    downsample: (src, dims, dtype, kind) =>
      kind === "mean" ? downsampleMean(src, dims, dtype) : downsampleMode(src, dims, dtype),
  };
}

/**
 * The filters on a core (its own memory, which grows to the largest brick
 * and stays): the bytes are copied in, filtered there, and the shuffled
 * result is a view of core memory. A JS core gets the twins directly, and so
 * does a caller that named no implementation when the WASM core cannot load.
 * Given options, only the WASM module is loaded, not every kernel's JS twin
 * (the packer's workers start faster).
 */
export async function createByteFilters(core?: Core | CoreOptions): Promise<ByteFilters> {
  return kernelsOn(core, onCore, () => jsByteFilters());
}

function onCore(implementation: Implementation, memory: CoreMemory, ops: CoreOps): ByteFilters {
  const base = memory.mark();
  return {
    implementation,
    shuffle(src, size, ref) {
      memory.release(base);
      const n = src.length;
      const s = memory.copyIn(src);
      if (ref) ops.xorDelta(s, memory.copyIn(ref.subarray(0, n)), s, n);
      const dst = memory.alloc(n);
      ops.shuffle(s, dst, n, size);
      return memory.views().u8.subarray(dst, dst + n);
    },
    checksum(bytes) {
      // A shuffle result is hashed where it lies (copying it in could grow the memory and detach it).
      if (bytes.buffer === memory.views().buffer)
        return ops.xxhash32(bytes.byteOffset, bytes.length, 0) >>> 0;
      const m = memory.mark();
      const h = ops.xxhash32(memory.copyIn(bytes), bytes.length, 0) >>> 0;
      memory.release(m);
      return h;
    },
    downsample(src, dims, dtype, kind) {
      memory.release(base);
      const [nx, ny, nz] = dims;
      const [mx, my, mz] = halfDims(dims);
      const s = memory.copyIn(src);
      const dst = memory.alloc(mx * my * mz * src.BYTES_PER_ELEMENT);
      if (kind === "mean") ops.downsampleMean(s, DTYPE_CODE[dtype], nx, ny, nz, dst);
      else ops.downsampleMode(s, DTYPE_CODE[dtype], nx, ny, nz, dst, memory.alloc(64));
      return memory.view(dtype, dst, mx * my * mz);
    },
  };
}
