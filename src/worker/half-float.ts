/**
 * Float32 → IEEE half conversion for brick uploads, run where the brick is decoded (R16F is filterable in core
 * WebGL2, unlike R32F). Values are normalized first, so the half range
 * (±65504) is never a limit for the data's physical units.
 */
import type { TypedArray } from "../shared/types";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant = (mant | 0x800000) >>> (1 - e);
    return sign | ((mant + 0x1000) >>> 13);
  }
  // Round to nearest; a carry into the exponent is still a correct result.
  const h = sign | (e << 10) | (mant >>> 13);
  return h + ((mant >>> 12) & 1);
}

/** (v - lo) × scale as halves, into `out` (which may be longer than `src`). */
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
