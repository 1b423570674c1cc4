// Value type codes shared with src/core/layout.ts.
export const U8: i32 = 0;
export const U16: i32 = 1;
export const I16: i32 = 2;
export const U32: i32 = 3;
export const F32: i32 = 4;

/** Read element `i` of a `dtype` array at `ptr` as f64. */
@inline export function readValue(ptr: usize, i: usize, dtype: i32): f64 {
  if (dtype == F32) return <f64>load<f32>(ptr + (i << 2));
  if (dtype == U8) return <f64>load<u8>(ptr + i);
  if (dtype == U16) return <f64>load<u16>(ptr + (i << 1));
  if (dtype == I16) return <f64>load<i16>(ptr + (i << 1));
  return <f64>load<u32>(ptr + (i << 2));
}
