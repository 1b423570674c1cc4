// Brick filters: byte (un)shuffle, XOR delta, widening to f32 for textures,
// 2×2×2 LOD downsampling.
import { F32, I16, loadF32x4, readValue, U16, U32, U8 } from "./dtype";

/** Inverse byte-shuffle of `len` bytes with element size `size` (src and dst must not overlap). */
export function unshuffle(src: usize, dst: usize, len: i32, size: i32): void {
  if (size <= 1) {
    memory.copy(dst, src, len);
    return;
  }
  const n = len / size;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (size == 2) {
      const b1 = src + n;
      for (; i + 16 <= n; i += 16) {
        const a = v128.load(src + i);
        const b = v128.load(b1 + i);
        const o = dst + (<usize>i << 1);
        v128.store(o, i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
        v128.store(o, i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), 16);
      }
    } else if (size == 4) {
      const p1 = src + n;
      const p2 = p1 + n;
      const p3 = p2 + n;
      for (; i + 16 <= n; i += 16) {
        const a = v128.load(src + i);
        const b = v128.load(p1 + i);
        const c = v128.load(p2 + i);
        const d = v128.load(p3 + i);
        const abLo = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const abHi = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const cdLo = i8x16.shuffle(c, d, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const cdHi = i8x16.shuffle(c, d, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const o = dst + (<usize>i << 2);
        v128.store(o, i8x16.shuffle(abLo, cdLo, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
        v128.store(o, i8x16.shuffle(abLo, cdLo, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
        v128.store(o, i8x16.shuffle(abHi, cdHi, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 32);
        v128.store(o, i8x16.shuffle(abHi, cdHi, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 48);
      }
    }
  }
  for (let b = 0; b < size; b++) {
    const plane = src + <usize>b * n;
    for (let j = i; j < n; j++) store<u8>(dst + <usize>j * size + b, load<u8>(plane + j));
  }
}

/** Byte-shuffle (the packer's direction), same layout as src/core/filters.ts. */
export function shuffle(src: usize, dst: usize, len: i32, size: i32): void {
  if (size <= 1) {
    memory.copy(dst, src, len);
    return;
  }
  const n = len / size;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (size == 2) {
      const d1 = dst + n;
      for (; i + 16 <= n; i += 16) {
        const x0 = v128.load(src + (<usize>i << 1));
        const x1 = v128.load(src + (<usize>i << 1), 16);
        v128.store(dst + i, i8x16.shuffle(x0, x1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
        v128.store(d1 + i, i8x16.shuffle(x0, x1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31));
      }
    } else if (size == 4) {
      const d1 = dst + n;
      const d2 = d1 + n;
      const d3 = d2 + n;
      for (; i + 16 <= n; i += 16) {
        const s = src + (<usize>i << 2);
        const x0 = v128.load(s);
        const x1 = v128.load(s, 16);
        const x2 = v128.load(s, 32);
        const x3 = v128.load(s, 48);
        const t0 = i8x16.shuffle(x0, x1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        const t1 = i8x16.shuffle(x0, x1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        const t2 = i8x16.shuffle(x2, x3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        const t3 = i8x16.shuffle(x2, x3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        v128.store(dst + i, i8x16.shuffle(t0, t2, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        v128.store(d1 + i, i8x16.shuffle(t0, t2, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
        v128.store(d2 + i, i8x16.shuffle(t1, t3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        v128.store(d3 + i, i8x16.shuffle(t1, t3, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
      }
    }
  }
  for (let b = 0; b < size; b++) {
    const plane = dst + <usize>b * n;
    for (let j = i; j < n; j++) store<u8>(plane + j, load<u8>(src + <usize>j * size + b));
  }
}

/** dst = src XOR ref, byte-wise (may run in place: dst == src). */
export function xorDelta(src: usize, ref: usize, dst: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= len; i += 16) v128.store(dst + i, v128.xor(v128.load(src + i), v128.load(ref + i)));
  }
  for (; i < len; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(ref + i));
}

@inline function affine(v: v128, scale: v128, bias: v128, raw: bool): v128 {
  return raw ? v : f32x4.add(f32x4.mul(v, scale), bias);
}

/** The SIMD part of widenF32 for one dtype (a constant after inlining); returns how many values it did. */
@inline function widenLanes(src: usize, dtype: i32, n: i32, dst: usize, scale: f32, bias: f32, raw: bool): i32 {
  const sv = f32x4.splat(scale);
  const bv = f32x4.splat(bias);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = dst + (<usize>i << 2);
    v128.store(o, affine(loadF32x4(src, i, dtype), sv, bv, raw));
    v128.store(o, affine(loadF32x4(src, i + 4, dtype), sv, bv, raw), 16);
  }
  return i;
}

/**
 * out[i] = f32(src[i]) * scale + bias, each step rounded to f32 (no fused
 * multiply-add, so the JS twin can match bit for bit). scale 1, bias 0 copies
 * the converted value untouched.
 */
export function widenF32(src: usize, dtype: i32, n: i32, dst: usize, scale: f32, bias: f32): void {
  const raw = scale == 1 && bias == 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (dtype == U8) i = widenLanes(src, U8, n, dst, scale, bias, raw);
    else if (dtype == U16) i = widenLanes(src, U16, n, dst, scale, bias, raw);
    else if (dtype == I16) i = widenLanes(src, I16, n, dst, scale, bias, raw);
    else if (dtype == U32) i = widenLanes(src, U32, n, dst, scale, bias, raw);
    else i = widenLanes(src, F32, n, dst, scale, bias, raw);
  }
  for (; i < n; i++) {
    const v = <f32>readValue(src, i, dtype);
    store<f32>(dst + (<usize>i << 2), raw ? v : v * scale + bias);
  }
}

@inline function loadT<T>(p: usize, i: usize): f64 {
  return <f64>load<T>(p + (i << alignof<T>()));
}

@inline function storeMean<T>(dst: usize, o: usize, sum: f64, count: i32): void {
  if (isFloat<T>()) {
    store<T>(dst + o, count == 0 ? <T>NaN : <T>(sum / count));
  } else {
    const m = count == 0 ? 0 : sum / count;
    const a = Math.abs(m);
    let r = Math.floor(a);
    if (a - r >= 0.5) r += 1;
    store<T>(dst + o, <T>(m < 0 ? -r : r));
  }
}

/** Mean of the clipped cell at (x0.., y0.., z0..), NaN left out (count 0 → NaN). */
function cellMeanT<T>(src: usize, nx: i32, ny: i32, nz: i32, x0: i32, y0: i32, z0: i32, dst: usize, o: usize): void {
  const x1 = min(x0 + 2, nx);
  const y1 = min(y0 + 2, ny);
  const z1 = min(z0 + 2, nz);
  let sum: f64 = 0;
  let count = 0;
  for (let zz = z0; zz < z1; zz++)
    for (let yy = y0; yy < y1; yy++) {
      const row = <usize>nx * (<usize>yy + <usize>ny * zz);
      for (let xx = x0; xx < x1; xx++) {
        const v = loadT<T>(src, row + xx);
        if (v == v) {
          sum += v;
          count++;
        }
      }
    }
  storeMean<T>(dst, o, sum, count);
}

function meanT<T>(src: usize, nx: i32, ny: i32, nz: i32, dst: usize): void {
  const mx = (nx + 1) >> 1;
  const my = (ny + 1) >> 1;
  const mz = (nz + 1) >> 1;
  const fullX = nx >> 1;
  const plane = <usize>nx * <usize>ny;
  for (let z = 0; z < mz; z++) {
    const full = 2 * z + 1 < nz;
    for (let y = 0; y < my; y++) {
      let x = 0;
      if (full && 2 * y + 1 < ny) {
        // Whole cells: the eight values summed in the general path's order; a NaN sum takes the general path.
        const r00 = <usize>nx * (<usize>(2 * y) + <usize>ny * <usize>(2 * z));
        const r01 = r00 + <usize>nx;
        const r10 = r00 + plane;
        const r11 = r10 + <usize>nx;
        for (; x < fullX; x++) {
          const i = <usize>(2 * x);
          let sum: f64 = loadT<T>(src, r00 + i);
          sum += loadT<T>(src, r00 + i + 1);
          sum += loadT<T>(src, r01 + i);
          sum += loadT<T>(src, r01 + i + 1);
          sum += loadT<T>(src, r10 + i);
          sum += loadT<T>(src, r10 + i + 1);
          sum += loadT<T>(src, r11 + i);
          sum += loadT<T>(src, r11 + i + 1);
          const o = (<usize>x + <usize>mx * (<usize>y + <usize>my * z)) << alignof<T>();
          if (sum == sum) storeMean<T>(dst, o, sum, 8);
          else cellMeanT<T>(src, nx, ny, nz, 2 * x, 2 * y, 2 * z, dst, o);
        }
      }
      for (; x < mx; x++) {
        const o = (<usize>x + <usize>mx * (<usize>y + <usize>my * z)) << alignof<T>();
        cellMeanT<T>(src, nx, ny, nz, 2 * x, 2 * y, 2 * z, dst, o);
      }
    }
  }
}

function modeT<T>(src: usize, nx: i32, ny: i32, nz: i32, dst: usize, scratch: usize): void {
  const mx = (nx + 1) >> 1;
  const my = (ny + 1) >> 1;
  const mz = (nz + 1) >> 1;
  const plane = <usize>nx * <usize>ny;
  for (let z = 0; z < mz; z++) {
    const z0 = 2 * z;
    const z1 = min(z0 + 2, nz);
    for (let y = 0; y < my; y++) {
      const y0 = 2 * y;
      const y1 = min(y0 + 2, ny);
      for (let x = 0; x < mx; x++) {
        const x0 = 2 * x;
        const x1 = min(x0 + 2, nx);
        const o = (<usize>x + <usize>mx * (<usize>y + <usize>my * z)) << alignof<T>();
        if (x1 - x0 == 2 && y1 - y0 == 2 && z1 - z0 == 2) {
          // A cell of one value (the common case in categorical data) is its own mode.
          const r = <usize>x0 + <usize>nx * (<usize>y0 + <usize>ny * z0);
          const r2 = r + plane;
          const v = loadT<T>(src, r);
          if (
            loadT<T>(src, r + 1) == v &&
            loadT<T>(src, r + nx) == v &&
            loadT<T>(src, r + nx + 1) == v &&
            loadT<T>(src, r2) == v &&
            loadT<T>(src, r2 + 1) == v &&
            loadT<T>(src, r2 + nx) == v &&
            loadT<T>(src, r2 + nx + 1) == v
          ) {
            store<T>(dst + o, <T>v);
            continue;
          }
        }
        let n = 0;
        for (let zz = z0; zz < z1; zz++)
          for (let yy = y0; yy < y1; yy++) {
            const row = <usize>nx * (<usize>yy + <usize>ny * zz);
            for (let xx = x0; xx < x1; xx++) {
              store<f64>(scratch + (<usize>n << 3), loadT<T>(src, row + xx));
              n++;
            }
          }
        let best = load<f64>(scratch);
        let bestCount = 0;
        for (let i = 0; i < n; i++) {
          const vi = load<f64>(scratch + (<usize>i << 3));
          let c = 0;
          for (let j = 0; j < n; j++) if (load<f64>(scratch + (<usize>j << 3)) == vi) c++;
          if (c > bestCount || (c == bestCount && vi < best)) {
            best = vi;
            bestCount = c;
          }
        }
        store<T>(dst + o, <T>best);
      }
    }
  }
}

/** 2×2×2 mean downsample, same rules as downsampleMean in src/core/filters.ts. */
export function downsampleMean(src: usize, dtype: i32, nx: i32, ny: i32, nz: i32, dst: usize): void {
  if (dtype == U8) meanT<u8>(src, nx, ny, nz, dst);
  else if (dtype == U16) meanT<u16>(src, nx, ny, nz, dst);
  else if (dtype == I16) meanT<i16>(src, nx, ny, nz, dst);
  else if (dtype == U32) meanT<u32>(src, nx, ny, nz, dst);
  else if (dtype == F32) meanT<f32>(src, nx, ny, nz, dst);
}

/** 2×2×2 mode downsample (ties → smallest value); `scratch` is 64 bytes. */
export function downsampleMode(src: usize, dtype: i32, nx: i32, ny: i32, nz: i32, dst: usize, scratch: usize): void {
  if (dtype == U8) modeT<u8>(src, nx, ny, nz, dst, scratch);
  else if (dtype == U16) modeT<u16>(src, nx, ny, nz, dst, scratch);
  else if (dtype == I16) modeT<i16>(src, nx, ny, nz, dst, scratch);
  else if (dtype == U32) modeT<u32>(src, nx, ny, nz, dst, scratch);
  else if (dtype == F32) modeT<f32>(src, nx, ny, nz, dst, scratch);
}
