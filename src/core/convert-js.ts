/**
 * JS twins of the GPU conversions (assembly/filters.ts widenF32,
 * assembly/gpu.ts halfNormalize).
 *
 * widenToF32: out = f32(v) · scale + bias, each step rounded to f32, so the
 * result matches the SIMD kernel bit for bit. scale 1 / bias 0 converts only.
 *   - "raw": the value as a float (f32 texture, R32F).
 *   - "normalized": mapped so [lo, hi] → [0, 1] (scale = 1/(hi-lo),
 *     bias = -lo·scale). For integer dtypes the default range is the dtype's
 *     (u8 0–255, u16 0–65535, i16 −32768–32767, u32 0–2³²−1); for f32 the
 *     field's value range must be given.
 *
 * normalizeToHalf: out = the IEEE half of (v − lo) × scale, the atlas texture
 * format (R16F is filterable in core WebGL2, unlike R32F). The arithmetic is
 * JS's (f64, exact inputs), and the half is correctly rounded from that f64:
 * nearest, ties to even, beyond the largest half (65504) → ±inf, below half
 * the smallest subnormal → ±0, −0 kept, every NaN → 0x7e00. Values are
 * normalized first, so the half range is never a limit for the data's
 * physical units.
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

const f64 = new Float64Array(1);
const words = new Uint32Array(f64.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** 2^(24 − k): scales a value of binade max(e, −14) = k − 14 so its half mantissa is the integer part. */
const UNIT = Float64Array.from({ length: 30 }, (_, k) => 2 ** (24 - k));
const ROUND = 2 ** 52;

/** The IEEE half nearest to `v` (rules above). */
export function toHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  f64[0] = v;
  const high = words[HIGH];
  const sign = (high >>> 16) & 0x8000;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // 65520 is the tie between 65504 and 2^16, and 2^16 is even
  // Binade k − 14 (k = 0 for the subnormals); (x + 2^52) − 2^52 rounds x < 2^52 to an integer, ties to even.
  const k = Math.max(((high >>> 20) & 0x7ff) - 1009, 0);
  const m = a * UNIT[k] + ROUND - ROUND;
  // A mantissa rounded up to 2048 carries into the exponent, which is the right half.
  return sign | ((k << 10) + m);
}

/** (v − lo) × scale as halves, into `out` (which may be longer than `src`). */
export function normalizeToHalf(src: TypedArray, lo: number, scale: number, out: Uint16Array): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalf((src[i] - lo) * scale);
  return out;
}

export function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
