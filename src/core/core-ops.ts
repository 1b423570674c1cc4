/**
 * The kernel entry points, pointer-based: the exports of the WASM core and,
 * with the same signatures, the JS twins. Pointers are byte offsets into
 * CoreMemory; dtype is a DTYPE_CODE. Facades (bloom.ts, brick-decode.ts,
 * region-stats.ts, ray.ts, lod.ts, gpu-convert.ts) wrap these for callers.
 */
/** A ray (origin, direction, t range) and its hit test (mode, threshold, material set, bits), as the ray kernels take them. */
export type RayArgs = [
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
  tMax: number,
  mode: number,
  thr: number,
  set: number,
  bits: number,
];

export interface CoreOps {
  sbbfInsert(filter: number, numBlocks: number, hashes: number, n: number): void;
  sbbfProbe(filter: number, numBlocks: number, hashes: number, n: number, out: number): number;
  hashKeys(data: number, offsets: number, n: number, out: number): void;
  unshuffle(src: number, dst: number, len: number, size: number): void;
  shuffle(src: number, dst: number, len: number, size: number): void;
  xorDelta(src: number, ref: number, dst: number, len: number): void;
  /** xxHash32 of `len` bytes at `p`. */
  xxhash32(p: number, len: number, seed: number): number;
  widenF32(src: number, dtype: number, n: number, dst: number, scale: number, bias: number): void;
  /** dst (u16) = the IEEE half of (src − lo) × scale (rules in convert-js.ts). */
  halfNormalize(src: number, dtype: number, n: number, dst: number, lo: number, scale: number): void;
  /** Occupancy maxima (f32) of a brick at `level` (rules in occupancy-js.ts); scratch: 4·nx·(ny + blocks along y) bytes. */
  blockMax(
    src: number,
    dtype: number,
    nx: number,
    ny: number,
    nz: number,
    level: number,
    dst: number,
    scratch: number,
  ): void;
  downsampleMean(src: number, dtype: number, nx: number, ny: number, nz: number, dst: number): void;
  downsampleMode(
    src: number,
    dtype: number,
    nx: number,
    ny: number,
    nz: number,
    dst: number,
    scratch: number,
  ): void;
  regionStats(
    src: number,
    dtype: number,
    nx: number,
    ny: number,
    x0: number,
    y0: number,
    z0: number,
    x1: number,
    y1: number,
    z1: number,
    bins: number,
    lo: number,
    hi: number,
    out: number,
  ): void;
  rayBrick(
    ...args: [data: number, dtype: number, nx: number, ny: number, nz: number, ...RayArgs, out: number]
  ): number;
  rayOctree(
    ...args: [nodes: number, root: number, dtype: number, ...RayArgs, scratch: number, out: number]
  ): number;
  selectLod(nodes: number, root: number, params: number, heap: number, out: number): number;
}

export type Implementation = "wasm-simd" | "wasm-scalar" | "js";
