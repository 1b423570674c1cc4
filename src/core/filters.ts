/**
 * Pure-JS brick filters: the test oracle for the WASM kernels and the fallback
 * where WASM SIMD is missing. The packer uses the same code to build the LOD pyramid.
 */
import type { DType, TypedArray, Vec3 } from "../shared/types";
import { allocTyped } from "../shared/types";

/** Word views assume a little-endian host (every current JS engine); elsewhere the byte loops run. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function words(b: Uint8Array, size: number): Uint16Array | Uint32Array | undefined {
  if (!LITTLE_ENDIAN || (size !== 2 && size !== 4) || b.byteOffset % size !== 0 || b.length % size !== 0)
    return undefined;
  return size === 4
    ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2)
    : new Uint16Array(b.buffer, b.byteOffset, b.length >>> 1);
}

/**
 * Byte-shuffle: all first bytes of each element, then all second bytes, ...
 * With `ref`, the elements are XORed with it first (a delta brick) in the
 * same pass. For 2- and 4-byte elements on aligned input whose count is a
 * multiple of 4, four elements are gathered per step and each byte plane is
 * written one word at a time; other aligned input is read as whole words.
 */
export function shuffle(
  src: Uint8Array,
  elemSize: number,
  dst: Uint8Array = new Uint8Array(src.length),
  ref?: Uint8Array,
): Uint8Array {
  const n = (src.length / elemSize) | 0;
  if ((elemSize === 2 || elemSize === 4) && n % 4 === 0) {
    const s = words(src, 4) as Uint32Array | undefined;
    const d = words(dst, 4) as Uint32Array | undefined;
    const r = ref && (words(ref, 4) as Uint32Array | undefined);
    if (s && d && (!ref || r)) {
      if (elemSize === 4) gather4(s, r, d, n >>> 2);
      else gather2(s, r, d, n >>> 2);
      return dst;
    }
  }
  const s = words(src, elemSize);
  const r = ref && words(ref, elemSize);
  if (s && (!ref || r)) {
    for (let i = 0; i < n; i++) {
      const v = r ? s[i] ^ r[i] : s[i];
      for (let b = 0; b < elemSize; b++) dst[b * n + i] = v >>> (8 * b);
    }
    return dst;
  }
  for (let b = 0; b < elemSize; b++) {
    const base = b * n;
    if (ref) for (let i = 0; i < n; i++) dst[base + i] = src[i * elemSize + b] ^ ref[i * elemSize + b];
    else for (let i = 0; i < n; i++) dst[base + i] = src[i * elemSize + b];
  }
  return dst;
}

/** Four 4-byte values per step (XORed with r when given); q = values / 4 = words per plane. */
function gather4(s: Uint32Array, r: Uint32Array | undefined, d: Uint32Array, q: number): void {
  for (let j = 0, i = 0; j < q; j++, i += 4) {
    let a = s[i];
    let b = s[i + 1];
    let c = s[i + 2];
    let e = s[i + 3];
    if (r) {
      a ^= r[i];
      b ^= r[i + 1];
      c ^= r[i + 2];
      e ^= r[i + 3];
    }
    d[j] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
    d[q + j] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c << 8) & 0xff0000) | ((e << 16) & 0xff000000);
    d[2 * q + j] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e << 8) & 0xff000000);
    d[3 * q + j] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (e & 0xff000000);
  }
}

/** Two words hold four 2-byte values; q = values / 4 = words per plane. */
function gather2(s: Uint32Array, r: Uint32Array | undefined, d: Uint32Array, q: number): void {
  for (let j = 0, i = 0; j < q; j++, i += 2) {
    let a = s[i];
    let b = s[i + 1];
    if (r) {
      a ^= r[i];
      b ^= r[i + 1];
    }
    d[j] = (a & 0xff) | ((a >>> 8) & 0xff00) | ((b & 0xff) << 16) | ((b << 8) & 0xff000000);
    d[q + j] = ((a >>> 8) & 0xff) | ((a >>> 16) & 0xff00) | ((b << 8) & 0xff0000) | (b & 0xff000000);
  }
}

/** Inverse of {@link shuffle} (without a reference). */
export function unshuffle(src: Uint8Array, elemSize: number, dst = new Uint8Array(src.length)): Uint8Array {
  const n = (src.length / elemSize) | 0;
  const d = words(dst, elemSize);
  if (d) {
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let b = 0; b < elemSize; b++) v |= src[b * n + i] << (8 * b);
      d[i] = v;
    }
    return dst;
  }
  for (let b = 0; b < elemSize; b++) {
    const base = b * n;
    for (let i = 0; i < n; i++) dst[i * elemSize + b] = src[base + i];
  }
  return dst;
}

/**
 * Delta against a reference brick as a byte-wise XOR: lossless for every
 * dtype (floats included), and unchanged voxels become zero bytes that
 * compress to nothing. Its own inverse.
 */
export function xorDelta(
  src: Uint8Array,
  reference: Uint8Array,
  dst = new Uint8Array(src.length),
): Uint8Array {
  for (let i = 0; i < src.length; i++) dst[i] = src[i] ^ reference[i];
  return dst;
}

/** Dimensions of the next coarser level: ceil(n / 2) per axis. */
export function halfDims(dims: Vec3): Vec3 {
  return [Math.ceil(dims[0] / 2), Math.ceil(dims[1] / 2), Math.ceil(dims[2] / 2)];
}

/**
 * 2×2×2 mean downsample (scalar fields). Edge cells average only the voxels
 * that exist. NaN inputs are ignored; a cell of only NaN is NaN. Integer
 * dtypes round half away from zero. Sums are taken in float64, in x, y, z
 * order within the cell. Full cells take a fast path that adds the same
 * values in the same order (so results are identical); a NaN sum sends the
 * cell to the general path.
 */
export function downsampleMean(src: TypedArray, dims: Vec3, dtype: DType): TypedArray {
  const [nx, ny, nz] = dims;
  const [mx, my, mz] = halfDims(dims);
  const out = allocTyped(dtype, mx * my * mz);
  const isFloat = dtype === "f32";
  const fullX = nx >> 1;
  const plane = nx * ny;
  for (let z = 0; z < mz; z++) {
    const full = 2 * z + 1 < nz;
    for (let y = 0; y < my; y++) {
      let o = mx * (y + my * z);
      let x = 0;
      if (full && 2 * y + 1 < ny) {
        const r00 = nx * (2 * y + ny * 2 * z);
        const r01 = r00 + nx;
        const r10 = r00 + plane;
        const r11 = r10 + nx;
        for (; x < fullX; x++, o++) {
          const i = 2 * x;
          let sum = 0;
          sum += src[r00 + i];
          sum += src[r00 + i + 1];
          sum += src[r01 + i];
          sum += src[r01 + i + 1];
          sum += src[r10 + i];
          sum += src[r10 + i + 1];
          sum += src[r11 + i];
          sum += src[r11 + i + 1];
          if (Number.isNaN(sum)) out[o] = cellMean(src, dims, x, y, z, isFloat);
          else if (isFloat) out[o] = sum / 8;
          else {
            const m = sum / 8;
            out[o] = m < 0 ? -Math.round(-m) : Math.round(m);
          }
        }
      }
      for (; x < mx; x++, o++) out[o] = cellMean(src, dims, x, y, z, isFloat);
    }
  }
  return out;
}

/** Mean of the (possibly clipped) cell (x, y, z) of the coarser level, NaN ignored. */
function cellMean(src: TypedArray, dims: Vec3, x: number, y: number, z: number, isFloat: boolean): number {
  const [nx, ny, nz] = dims;
  const x0 = 2 * x;
  const x1 = Math.min(x0 + 2, nx);
  const y0 = 2 * y;
  const y1 = Math.min(y0 + 2, ny);
  const z0 = 2 * z;
  const z1 = Math.min(z0 + 2, nz);
  let sum = 0;
  let count = 0;
  for (let zz = z0; zz < z1; zz++)
    for (let yy = y0; yy < y1; yy++) {
      const row = nx * (yy + ny * zz);
      for (let xx = x0; xx < x1; xx++) {
        const v = src[row + xx];
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
    }
  if (count === 0) return Number.NaN;
  if (isFloat) return sum / count;
  const m = sum / count;
  return m < 0 ? -Math.round(-m) : Math.round(m);
}

/**
 * 2×2×2 mode downsample (categorical fields): the most frequent value of the
 * cell; ties go to the smallest value.
 */
export function downsampleMode(src: TypedArray, dims: Vec3, dtype: DType): TypedArray {
  const [nx, ny, nz] = dims;
  const [mx, my, mz] = halfDims(dims);
  const out = allocTyped(dtype, mx * my * mz);
  const vals = new Float64Array(8);
  for (let z = 0; z < mz; z++) {
    const z0 = 2 * z;
    const z1 = Math.min(z0 + 2, nz);
    for (let y = 0; y < my; y++) {
      const y0 = 2 * y;
      const y1 = Math.min(y0 + 2, ny);
      for (let x = 0; x < mx; x++) {
        const x0 = 2 * x;
        const x1 = Math.min(x0 + 2, nx);
        if (x1 - x0 === 2 && y1 - y0 === 2 && z1 - z0 === 2) {
          // A cell of one value (the common case in categorical data) is its own mode.
          const r = x0 + nx * (y0 + ny * z0);
          const v = src[r];
          const r2 = r + nx * ny;
          if (
            src[r + 1] === v &&
            src[r + nx] === v &&
            src[r + nx + 1] === v &&
            src[r2] === v &&
            src[r2 + 1] === v &&
            src[r2 + nx] === v &&
            src[r2 + nx + 1] === v
          ) {
            out[x + mx * (y + my * z)] = v;
            continue;
          }
        }
        let n = 0;
        for (let zz = z0; zz < z1; zz++)
          for (let yy = y0; yy < y1; yy++) {
            const row = nx * (yy + ny * zz);
            for (let xx = x0; xx < x1; xx++) vals[n++] = src[row + xx];
          }
        let best = vals[0];
        let bestCount = 0;
        for (let i = 0; i < n; i++) {
          let c = 0;
          for (let j = 0; j < n; j++) if (vals[j] === vals[i]) c++;
          if (c > bestCount || (c === bestCount && vals[i] < best)) {
            best = vals[i];
            bestCount = c;
          }
        }
        out[x + mx * (y + my * z)] = best;
      }
    }
  }
  return out;
}
