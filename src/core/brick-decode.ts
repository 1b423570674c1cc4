/**
 * Brick decoding filters on core memory: byte-unshuffle, XOR delta against a
 * reference brick, widening to f32 for GPU upload (rules in convert-js.ts),
 * and 2×2×2 LOD downsampling
 * with the semantics of filters.ts. All calls take byte offsets in core memory.
 */
import { FlatvoxError } from "../shared/errors";
import type { DType, Vec3 } from "../shared/types";
import { bytesPerValue } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import { halfDims } from "./filters";
import { DTYPE_CODE } from "./layout";
import { resolveCore } from "./resolve-core";

/** "raw" keeps values; a range maps [lo, hi] → [0, 1]; "dtype" uses the integer dtype's full range. */
export type F32Mode = "raw" | "dtype" | { lo: number; hi: number };

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
   * Copy shuffled (possibly XOR-delta) brick bytes in, undo the filters and
   * return the pointer of the decoded values (valid until the memory is reset).
   */
  decodeBrick(bytes: Uint8Array, dtype: DType, reference?: number): number;
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
    decodeBrick(bytes, dtype, reference) {
      const size = bytesPerValue(dtype);
      const src = c.memory.copyIn(bytes);
      const dst = c.memory.alloc(bytes.length);
      ops.unshuffle(src, dst, bytes.length, size);
      if (reference !== undefined) ops.xorDelta(dst, reference, dst, bytes.length);
      return dst;
    },
  };
}
