/**
 * A decoded scalar brick made ready for the GPU where it was decoded: values
 * normalized to (v − lo) × scale as IEEE halves (the atlas texture format)
 * and the occupancy maxima for empty-space skipping. The page then only
 * uploads; no per-voxel work is left on its thread.
 */
import type { TypedArray, Vec3 } from "../shared/types";
import { normalizeToHalf } from "./half-float";
import { brickBlockMax } from "./occupancy";

export interface GpuPrep {
  lo: number;
  scale: number;
  /** The brick's clipped voxel dims and level (occupancy works in level-0 units). */
  dims: Vec3;
  level: number;
}

export interface GpuReady {
  half: Uint16Array;
  blockMax: Float32Array;
  /** Macro blocks per axis. */
  n: Vec3;
  lo: number;
  scale: number;
}

export function prepareForGpu(values: TypedArray, prep: GpuPrep): GpuReady {
  const n = prep.dims[0] * prep.dims[1] * prep.dims[2];
  const src = values.length === n ? values : values.subarray(0, n);
  const half = normalizeToHalf(src, prep.lo, prep.scale, new Uint16Array(n));
  const bm = brickBlockMax(src, prep.dims, prep.level);
  return { half, blockMax: bm.max, n: bm.n, lo: prep.lo, scale: prep.scale };
}
