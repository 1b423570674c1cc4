/**
 * Pure-JS brick filters: the test oracle for the WASM kernels and the fallback
 * where WASM SIMD is missing. The packer uses the same code to build the LOD pyramid.
 */
import type { DType, TypedArray, Vec3 } from "../shared/types";
import { allocTyped } from "../shared/types";

/** Byte-shuffle: all first bytes of each element, then all second bytes, ... */
export function shuffle(src: Uint8Array, elemSize: number, dst = new Uint8Array(src.length)): Uint8Array {
  if (elemSize === 1) {
    dst.set(src);
    return dst;
  }
  const n = (src.length / elemSize) | 0;
  for (let b = 0; b < elemSize; b++) {
    const base = b * n;
    for (let i = 0; i < n; i++) dst[base + i] = src[i * elemSize + b];
  }
  return dst;
}

/** Inverse of {@link shuffle}. */
export function unshuffle(src: Uint8Array, elemSize: number, dst = new Uint8Array(src.length)): Uint8Array {
  if (elemSize === 1) {
    dst.set(src);
    return dst;
  }
  const n = (src.length / elemSize) | 0;
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
 * dtypes round half away from zero. Sums are taken in float64.
 */
export function downsampleMean(src: TypedArray, dims: Vec3, dtype: DType): TypedArray {
  const [nx, ny, nz] = dims;
  const [mx, my, mz] = halfDims(dims);
  const out = allocTyped(dtype, mx * my * mz);
  const isFloat = dtype === "f32";
  for (let z = 0; z < mz; z++) {
    const z0 = 2 * z;
    const z1 = Math.min(z0 + 2, nz);
    for (let y = 0; y < my; y++) {
      const y0 = 2 * y;
      const y1 = Math.min(y0 + 2, ny);
      for (let x = 0; x < mx; x++) {
        const x0 = 2 * x;
        const x1 = Math.min(x0 + 2, nx);
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
        const o = x + mx * (y + my * z);
        if (count === 0) out[o] = Number.NaN;
        else if (isFloat) out[o] = sum / count;
        else {
          const m = sum / count;
          out[o] = m < 0 ? -Math.round(-m) : Math.round(m);
        }
      }
    }
  }
  return out;
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
