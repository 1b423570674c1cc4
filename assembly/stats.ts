// Region statistics over a box of one brick. Min, max and sum run in four
// lanes (element j of a row goes to lane j & 3) so that the SIMD and scalar
// builds and the JS twin combine values in exactly the same order.
//
// Output record at `out` (f64 words): 0 min, 1 max, 2 sum, 3 count (non-NaN),
// 4 NaN count, 5 below range, 6 above range, 7 unused; then `bins` u32
// histogram counts at out + 64. An empty selection leaves min = +Inf, max = -Inf.
import { F32, readValue } from "./dtype";

export function regionStats(
  src: usize,
  dtype: i32,
  nx: i32,
  ny: i32,
  x0: i32,
  y0: i32,
  z0: i32,
  x1: i32,
  y1: i32,
  z1: i32,
  bins: i32,
  lo: f64,
  hi: f64,
  out: usize,
): void {
  let mn0 = Infinity, mn1 = Infinity, mn2 = Infinity, mn3 = Infinity;
  let mx0 = -Infinity, mx1 = -Infinity, mx2 = -Infinity, mx3 = -Infinity;
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let count: f64 = 0;
  let nans: f64 = 0;
  let below: f64 = 0;
  let above: f64 = 0;
  const hist = out + 64;
  for (let b = 0; b < bins; b++) store<u32>(hist + (<usize>b << 2), 0);
  const scale = hi > lo ? <f64>bins / (hi - lo) : 0;
  const w = x1 - x0;
  if (w <= 0 || y1 <= y0 || z1 <= z0) {
    writeOut(out, Infinity, -Infinity, 0, 0, 0, 0, 0);
    return;
  }
  let vector = false;
  if (ASC_FEATURE_SIMD) vector = dtype == F32;
  if (ASC_FEATURE_SIMD && vector) {
    let vmn = f32x4.splat(Infinity);
    let vmx = f32x4.splat(-Infinity);
    let sLo = f64x2.splat(0);
    let sHi = f64x2.splat(0);
    let vnan = i32x4.splat(0);
    const w4 = w & ~3;
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const row = src + ((<usize>x0 + <usize>nx * (<usize>y + <usize>ny * z)) << 2);
        let j = 0;
        for (; j < w4; j += 4) {
          const v = v128.load(row + (<usize>j << 2));
          // Finite lanes only: NaN and ±Inf are counted apart (no data for statistics).
          const ok = f32x4.lt(f32x4.abs(v), f32x4.splat(Infinity));
          vnan = i32x4.add(vnan, v128.not(ok));
          const vz = v128.and(v, ok);
          sLo = f64x2.add(sLo, f64x2.promote_low_f32x4(vz));
          sHi = f64x2.add(sHi, f64x2.promote_low_f32x4(i32x4.shuffle(vz, vz, 2, 3, 0, 1)));
          vmn = v128.bitselect(v, vmn, v128.and(f32x4.lt(v, vmn), ok));
          vmx = v128.bitselect(v, vmx, v128.and(f32x4.gt(v, vmx), ok));
        }
        for (; j < w; j++) {
          const v = <f64>load<f32>(row + (<usize>j << 2));
          if (!(Math.abs(v) < Infinity)) {
            vnan = i32x4.sub(vnan, i32x4(1, 0, 0, 0));
            continue;
          }
          const lane = j & 3;
          // Lane-exact tail: add into the vector accumulators' lane `lane`.
          if (lane == 0) {
            sLo = f64x2.replace_lane(sLo, 0, f64x2.extract_lane(sLo, 0) + v);
            if (<f32>v < f32x4.extract_lane(vmn, 0)) vmn = f32x4.replace_lane(vmn, 0, <f32>v);
            if (<f32>v > f32x4.extract_lane(vmx, 0)) vmx = f32x4.replace_lane(vmx, 0, <f32>v);
          } else if (lane == 1) {
            sLo = f64x2.replace_lane(sLo, 1, f64x2.extract_lane(sLo, 1) + v);
            if (<f32>v < f32x4.extract_lane(vmn, 1)) vmn = f32x4.replace_lane(vmn, 1, <f32>v);
            if (<f32>v > f32x4.extract_lane(vmx, 1)) vmx = f32x4.replace_lane(vmx, 1, <f32>v);
          } else {
            sHi = f64x2.replace_lane(sHi, 0, f64x2.extract_lane(sHi, 0) + v);
            if (<f32>v < f32x4.extract_lane(vmn, 2)) vmn = f32x4.replace_lane(vmn, 2, <f32>v);
            if (<f32>v > f32x4.extract_lane(vmx, 2)) vmx = f32x4.replace_lane(vmx, 2, <f32>v);
          }
        }
      }
    // Lane 3 never receives a tail element (a tail has at most 3).
    mn0 = f32x4.extract_lane(vmn, 0);
    mn1 = f32x4.extract_lane(vmn, 1);
    mn2 = f32x4.extract_lane(vmn, 2);
    mn3 = f32x4.extract_lane(vmn, 3);
    mx0 = f32x4.extract_lane(vmx, 0);
    mx1 = f32x4.extract_lane(vmx, 1);
    mx2 = f32x4.extract_lane(vmx, 2);
    mx3 = f32x4.extract_lane(vmx, 3);
    s0 = f64x2.extract_lane(sLo, 0);
    s1 = f64x2.extract_lane(sLo, 1);
    s2 = f64x2.extract_lane(sHi, 0);
    s3 = f64x2.extract_lane(sHi, 1);
    // Lanes count NaNs downwards (a true mask lane is -1).
    nans = <f64>(
      -(i32x4.extract_lane(vnan, 0) + i32x4.extract_lane(vnan, 1) + i32x4.extract_lane(vnan, 2) + i32x4.extract_lane(vnan, 3))
    );
    count = <f64>w * <f64>(y1 - y0) * <f64>(z1 - z0) - nans;
    if (bins > 0) {
      for (let z = z0; z < z1; z++)
        for (let y = y0; y < y1; y++) {
          const row = <usize>x0 + <usize>nx * (<usize>y + <usize>ny * z);
          for (let j = 0; j < w; j++) {
            const v = <f64>load<f32>(src + ((row + j) << 2));
            if (!(Math.abs(v) < Infinity)) continue;
            if (v < lo) below++;
            else if (v > hi) above++;
            else {
              const k = <i32>min(<f64>(bins - 1), Math.floor((v - lo) * scale));
              const p = hist + (<usize>k << 2);
              store<u32>(p, load<u32>(p) + 1);
            }
          }
        }
    }
  } else {
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const row = <usize>x0 + <usize>nx * (<usize>y + <usize>ny * z);
        for (let j = 0; j < w; j++) {
          const v = readValue(src, row + j, dtype);
          if (!(Math.abs(v) < Infinity)) {
            nans++;
            continue;
          }
          count++;
          const lane = j & 3;
          if (lane == 0) {
            s0 += v;
            if (v < mn0) mn0 = v;
            if (v > mx0) mx0 = v;
          } else if (lane == 1) {
            s1 += v;
            if (v < mn1) mn1 = v;
            if (v > mx1) mx1 = v;
          } else if (lane == 2) {
            s2 += v;
            if (v < mn2) mn2 = v;
            if (v > mx2) mx2 = v;
          } else {
            s3 += v;
            if (v < mn3) mn3 = v;
            if (v > mx3) mx3 = v;
          }
          if (bins > 0) {
            if (v < lo) below++;
            else if (v > hi) above++;
            else {
              const k = <i32>min(<f64>(bins - 1), Math.floor((v - lo) * scale));
              const p = hist + (<usize>k << 2);
              store<u32>(p, load<u32>(p) + 1);
            }
          }
        }
      }
  }
  let mn = mn0;
  if (mn1 < mn) mn = mn1;
  if (mn2 < mn) mn = mn2;
  if (mn3 < mn) mn = mn3;
  let mx = mx0;
  if (mx1 > mx) mx = mx1;
  if (mx2 > mx) mx = mx2;
  if (mx3 > mx) mx = mx3;
  writeOut(out, mn, mx, s0 + s2 + (s1 + s3), count, nans, below, above);
}

@inline function writeOut(out: usize, mn: f64, mx: f64, sum: f64, count: f64, nans: f64, below: f64, above: f64): void {
  store<f64>(out, mn);
  store<f64>(out, mx, 8);
  store<f64>(out, sum, 16);
  store<f64>(out, count, 24);
  store<f64>(out, nans, 32);
  store<f64>(out, below, 40);
  store<f64>(out, above, 48);
  store<f64>(out, 0, 56);
}
