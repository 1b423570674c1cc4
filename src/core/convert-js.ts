/**
 * JS twin of the GPU conversion widenF32 (assembly/filters.ts).
 *
 * widenToF32: out = f32(v) · scale + bias, each step rounded to f32, so the
 * result matches the SIMD kernel bit for bit. scale 1 / bias 0 converts only.
 *   - "raw": the value as a float (f32 texture, R32F).
 *   - "normalized": mapped so [lo, hi] → [0, 1] (scale = 1/(hi-lo),
 *     bias = -lo·scale). For integer dtypes the default range is the dtype's
 *     (u8 0–255, u16 0–65535, i16 −32768–32767, u32 0–2³²−1); for f32 the
 *     field's value range must be given.
 */
import type { TypedArray } from "../shared/types";

export function widenToF32Js(src: TypedArray, dst: Float32Array, scale: number, bias: number): void {
  const n = src.length;
  const s = Math.fround(scale);
  const b = Math.fround(bias);
  if (s === 1 && b === 0) {
    for (let i = 0; i < n; i++) dst[i] = src[i];
    return;
  }
  for (let i = 0; i < n; i++) dst[i] = Math.fround(Math.fround(src[i]) * s) + b;
}
