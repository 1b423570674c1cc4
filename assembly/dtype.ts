// Value type codes shared with src/core/layout.ts, and how kernels read each type.
export const U8: i32 = 0;
export const U16: i32 = 1;
export const I16: i32 = 2;
export const U32: i32 = 3;
export const F32: i32 = 4;

/** Read element `i` of a `dtype` array at `ptr` as f64 (exact for every dtype). */
@inline export function readValue(ptr: usize, i: usize, dtype: i32): f64 {
  if (dtype == F32) return <f64>load<f32>(ptr + (i << 2));
  if (dtype == U8) return <f64>load<u8>(ptr + i);
  if (dtype == U16) return <f64>load<u16>(ptr + (i << 1));
  if (dtype == I16) return <f64>load<i16>(ptr + (i << 1));
  return <f64>load<u32>(ptr + (i << 2));
}

/**
 * Elements i..i+3 of a `dtype` array at `ptr` in four 32-bit lanes, reading
 * exactly those elements' bytes: integers widened to i32 (u32 as its bits,
 * to be converted as unsigned), f32 as is. SIMD builds only.
 */
@inline export function loadLanes4(ptr: usize, i: usize, dtype: i32): v128 {
  if (dtype == U8) return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(ptr + i)));
  if (dtype == U16) return v128.load16x4_u(ptr + (i << 1));
  if (dtype == I16) return v128.load16x4_s(ptr + (i << 1));
  return v128.load(ptr + (i << 2));
}

/** Elements i..i+3 as f32x4 (u32 rounded to nearest, like a scalar <f32> cast). SIMD builds only. */
@inline export function loadF32x4(ptr: usize, i: usize, dtype: i32): v128 {
  const v = loadLanes4(ptr, i, dtype);
  if (dtype == F32) return v;
  return dtype == U32 ? f32x4.convert_i32x4_u(v) : f32x4.convert_i32x4_s(v);
}

/** Lanes `hi` ? 2–3 : 0–1 of loadLanes4's result as f64x2 (exact for every dtype). SIMD builds only. */
@inline export function lanesToF64x2(v: v128, dtype: i32, hi: bool): v128 {
  const x = hi ? v128.shuffle<i32>(v, v, 2, 3, 2, 3) : v;
  if (dtype == F32) return f64x2.promote_low_f32x4(x);
  return dtype == U32 ? f64x2.convert_low_i32x4_u(x) : f64x2.convert_low_i32x4_s(x);
}
