// A brick made ready for a GPU texture: values normalized to IEEE halves and
// the occupancy maxima of its 8³ blocks. JS twins: src/core/convert-js.ts
// (halves) and src/core/occupancy-js.ts (block maxima).
import { F32, I16, lanesToF64x2, loadF32x4, loadLanes4, readValue, U16, U32, U8 } from "./dtype";

const HALF_MIN_NORMAL: f64 = 6.103515625e-5; // 2^-14
const TWO_42: f64 = 4398046511104.0;
const TWO_24: f32 = 16777216.0;
const HALF_LIMIT: f64 = 65536.0; // rounds to +inf as a half
const EXP_BITS: u64 = 0x7ff0000000000000;
const HALF_NAN: u32 = 0x7e00;

/**
 * The IEEE half nearest to `t` (ties to even; beyond the largest half → ±inf,
 * below the smallest subnormal → ±0), every NaN as 0x7e00.
 *
 * |t| is rounded to the half grid of its binade by adding and subtracting
 * c = 2^(max(e, −14) + 42): the f64 sum has exactly the half's spacing as its
 * ulp, so the hardware's round-to-nearest-even does the rounding once. The
 * rounded value is a half (or 2^16), exact in f32, whose bits give the half's.
 */
@inline function halfOf(t: f64): u32 {
  if (t != t) return HALF_NAN;
  const sign = <u32>(reinterpret<u64>(t) >>> 48) & 0x8000;
  const a = min(abs(t), HALF_LIMIT);
  const c = max(reinterpret<f64>(reinterpret<u64>(a) & EXP_BITS), HALF_MIN_NORMAL) * TWO_42;
  const r = <f32>(a + c - c);
  const h = r < <f32>HALF_MIN_NORMAL ? <u32>(r * TWO_24) : (reinterpret<u32>(r) >>> 13) - 0x1c000;
  return sign | h;
}

/** halfOf of f64x2 lanes `t0` (values 0, 1) and `t1` (values 2, 3), as i32x4. */
@inline function halves4(t0: v128, t1: v128): v128 {
  const lim = f64x2.splat(HALF_LIMIT);
  const minNormal = f64x2.splat(HALF_MIN_NORMAL);
  const k = f64x2.splat(TWO_42);
  const exp = i64x2.splat(EXP_BITS);
  // pmin(a, lim) = lim < a ? lim : a; pmax(e, m) = e < m ? m : e (NaN lanes are replaced below).
  const a0 = f64x2.pmin(f64x2.abs(t0), lim);
  const a1 = f64x2.pmin(f64x2.abs(t1), lim);
  const c0 = f64x2.mul(f64x2.pmax(v128.and(a0, exp), minNormal), k);
  const c1 = f64x2.mul(f64x2.pmax(v128.and(a1, exp), minNormal), k);
  const r0 = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.add(a0, c0), c0));
  const r1 = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.add(a1, c1), c1));
  const r = v128.shuffle<i32>(r0, r1, 0, 1, 4, 5);
  const normal = i32x4.sub(i32x4.shr_u(r, 13), i32x4.splat(0x1c000));
  const subnormal = i32x4.trunc_sat_f32x4_s(f32x4.mul(r, f32x4.splat(TWO_24)));
  const h = v128.bitselect(subnormal, normal, f32x4.lt(r, f32x4.splat(<f32>HALF_MIN_NORMAL)));
  // The high words of the f64 lanes carry the signs.
  const sign = v128.and(i32x4.shr_u(v128.shuffle<i32>(t0, t1, 1, 3, 5, 7), 16), i32x4.splat(0x8000));
  const nan = v128.shuffle<i32>(f64x2.ne(t0, t0), f64x2.ne(t1, t1), 0, 2, 4, 6);
  return v128.bitselect(i32x4.splat(HALF_NAN), v128.or(h, sign), nan);
}

/** halves of (v − lo) × scale for values i..i+3 (f64 arithmetic, as in JS). */
@inline function normalized4(src: usize, i: i32, dtype: i32, lo: v128, scale: v128): v128 {
  const v = loadLanes4(src, i, dtype);
  const t0 = f64x2.mul(f64x2.sub(lanesToF64x2(v, dtype, false), lo), scale);
  const t1 = f64x2.mul(f64x2.sub(lanesToF64x2(v, dtype, true), lo), scale);
  return halves4(t0, t1);
}

/** The SIMD part of halfNormalize for one dtype (a constant after inlining); returns how many values it did. */
@inline function halfLanes(src: usize, dtype: i32, n: i32, dst: usize, lo: f64, scale: f64): i32 {
  const lv = f64x2.splat(lo);
  const sv = f64x2.splat(scale);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const h0 = normalized4(src, i, dtype, lv, sv);
    const h1 = normalized4(src, i + 4, dtype, lv, sv);
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(h0, h1));
  }
  return i;
}

/**
 * dst[i] = the IEEE half of (src[i] − lo) × scale, the arithmetic in f64
 * (exact inputs, one rounding per step, no fused multiply-add) and the half
 * correctly rounded from that f64 (rules in halfOf), as the JS twin does.
 */
export function halfNormalize(src: usize, dtype: i32, n: i32, dst: usize, lo: f64, scale: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (dtype == F32) i = halfLanes(src, F32, n, dst, lo, scale);
    else if (dtype == U8) i = halfLanes(src, U8, n, dst, lo, scale);
    else if (dtype == U16) i = halfLanes(src, U16, n, dst, lo, scale);
    else if (dtype == I16) i = halfLanes(src, I16, n, dst, lo, scale);
    else i = halfLanes(src, U32, n, dst, lo, scale);
  }
  for (; i < n; i++) store<u16>(dst + (<usize>i << 1), <u16>halfOf((readValue(src, i, dtype) - lo) * scale));
}

const EMPTY: f32 = -1e30;

/** Voxels [first, end) of a `d`-voxel axis that block `m` reads (8 level-0 voxels and a one-voxel margin). */
@inline function rangeStart(m: i32, level: i32): i32 {
  return max(0, ((m << 3) >> level) - 1);
}

@inline function rangeEnd(m: i32, level: i32, d: i32): i32 {
  return min(d, ((((m + 1) << 3) + (1 << level) - 1) >> level) + 1);
}

/** Element `i` as f32 with NaN replaced by EMPTY (which every max then ignores). */
@inline function sane(src: usize, i: usize, dtype: i32): f32 {
  const v = <f32>readValue(src, i, dtype);
  return v == v ? v : EMPTY;
}

@inline function saneLanes(src: usize, i: usize, dtype: i32): v128 {
  const v = loadF32x4(src, i, dtype);
  return dtype == F32 ? v128.bitselect(v, f32x4.splat(EMPTY), f32x4.eq(v, v)) : v;
}

/** acc[j] = max over z in [z0, z1) of plane z's element j (plane = `count` values), for one dtype. */
@inline function planeMax(src: usize, dtype: i32, count: i32, z0: i32, z1: i32, acc: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= count; j += 4) {
      let m = saneLanes(src, <usize>z0 * count + j, dtype);
      for (let z = z0 + 1; z < z1; z++) m = f32x4.max(m, saneLanes(src, <usize>z * count + j, dtype));
      v128.store(acc + (<usize>j << 2), m);
    }
  }
  for (; j < count; j++) {
    let m = sane(src, <usize>z0 * count + j, dtype);
    for (let z = z0 + 1; z < z1; z++) m = max(m, sane(src, <usize>z * count + j, dtype));
    store<f32>(acc + (<usize>j << 2), m);
  }
}

/**
 * Occupancy maxima of a brick of nx·ny·nz `dtype` values (x fastest) at
 * `level`: for each 8³ block of level-0 voxels it covers, x fastest, the
 * largest of the brick's voxels the block reads (its own and a one-voxel
 * margin, src/core/occupancy-js.ts), NaN and values ≤ −1e30 left out, as f32:
 * −1e30 when none, −0 reported as +0. Separable: maxima over z of whole
 * planes, then over y of rows, then over x. `scratch` holds nx·ny +
 * nx·by f32 (by = blocks along y).
 */
export function blockMax(src: usize, dtype: i32, nx: i32, ny: i32, nz: i32, level: i32, dst: usize, scratch: usize): void {
  const bx = ((nx << level) + 7) >> 3;
  const by = ((ny << level) + 7) >> 3;
  const bz = ((nz << level) + 7) >> 3;
  const plane = nx * ny;
  const rows = scratch + (<usize>plane << 2);
  for (let mz = 0; mz < bz; mz++) {
    const z0 = rangeStart(mz, level);
    const z1 = rangeEnd(mz, level, nz);
    if (dtype == F32) planeMax(src, F32, plane, z0, z1, scratch);
    else if (dtype == U8) planeMax(src, U8, plane, z0, z1, scratch);
    else if (dtype == U16) planeMax(src, U16, plane, z0, z1, scratch);
    else if (dtype == I16) planeMax(src, I16, plane, z0, z1, scratch);
    else planeMax(src, U32, plane, z0, z1, scratch);
    for (let my = 0; my < by; my++) {
      const y0 = rangeStart(my, level);
      const y1 = rangeEnd(my, level, ny);
      const out = rows + (<usize>(my * nx) << 2);
      planeMax(scratch + (<usize>(y0 * nx) << 2), F32, nx, 0, y1 - y0, out);
      for (let mx = 0; mx < bx; mx++) {
        const x1 = rangeEnd(mx, level, nx);
        let m = EMPTY;
        for (let x = rangeStart(mx, level); x < x1; x++) m = max(m, load<f32>(out + (<usize>x << 2)));
        store<f32>(dst + (<usize>(mx + bx * (my + by * mz)) << 2), m + 0);
      }
    }
  }
}
