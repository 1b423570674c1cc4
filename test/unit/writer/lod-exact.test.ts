import { describe, expect, it } from "vitest";
import { downsampleMean, downsampleMode } from "../../../src/core/filters";
import { allocTyped, DTYPES, type DType, type TypedArray, type Vec3 } from "../../../src/shared/types";
import { brickStats } from "../../../src/writer/brick-stats";
import { prng } from "../reader/fixtures";

/** The plain per-cell definitions (x, then y, then z within a cell; float64 sums; NaN skipped). */
function refMean(src: TypedArray, [nx, ny, nz]: Vec3, dtype: DType): TypedArray {
  const m: Vec3 = [(nx + 1) >> 1, (ny + 1) >> 1, (nz + 1) >> 1];
  const out = allocTyped(dtype, m[0] * m[1] * m[2]);
  let o = 0;
  for (let z = 0; z < m[2]; z++)
    for (let y = 0; y < m[1]; y++)
      for (let x = 0; x < m[0]; x++, o++) {
        let sum = 0;
        let count = 0;
        for (let zz = 2 * z; zz < Math.min(2 * z + 2, nz); zz++)
          for (let yy = 2 * y; yy < Math.min(2 * y + 2, ny); yy++)
            for (let xx = 2 * x; xx < Math.min(2 * x + 2, nx); xx++) {
              const v = src[xx + nx * (yy + ny * zz)];
              if (!Number.isNaN(v)) {
                sum += v;
                count++;
              }
            }
        const mean = sum / count;
        out[o] =
          count === 0
            ? Number.NaN
            : dtype === "f32"
              ? mean
              : mean < 0
                ? -Math.round(-mean)
                : Math.round(mean);
      }
  return out;
}

function refMode(src: TypedArray, [nx, ny, nz]: Vec3, dtype: DType): TypedArray {
  const m: Vec3 = [(nx + 1) >> 1, (ny + 1) >> 1, (nz + 1) >> 1];
  const out = allocTyped(dtype, m[0] * m[1] * m[2]);
  let o = 0;
  for (let z = 0; z < m[2]; z++)
    for (let y = 0; y < m[1]; y++)
      for (let x = 0; x < m[0]; x++, o++) {
        const vals: number[] = [];
        for (let zz = 2 * z; zz < Math.min(2 * z + 2, nz); zz++)
          for (let yy = 2 * y; yy < Math.min(2 * y + 2, ny); yy++)
            for (let xx = 2 * x; xx < Math.min(2 * x + 2, nx); xx++) vals.push(src[xx + nx * (yy + ny * zz)]);
        let best = vals[0];
        let bestCount = 0;
        for (const v of vals) {
          const c = vals.filter((w) => w === v).length;
          if (c > bestCount || (c === bestCount && v < best)) {
            best = v;
            bestCount = c;
          }
        }
        out[o] = best;
      }
  return out;
}

const bits = (a: TypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Random values with runs (so cells are often uniform) and, for f32, NaN, ±0 and ±Infinity. */
function field(dtype: DType, n: number, r: () => number): TypedArray {
  const a = allocTyped(dtype, n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || r() < 0.3) {
      const k = r();
      v = Math.floor(r() * 5);
      if (dtype === "f32") {
        v = (r() - 0.5) * 100;
        if (k < 0.05) v = Number.NaN;
        else if (k < 0.1) v = -0;
        else if (k < 0.13) v = k < 0.115 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
        else if (k < 0.2) v = 0;
      } else if (dtype === "i16") v -= 2;
    }
    a[i] = v;
  }
  return a;
}

describe("LOD reductions and brick stats are bit-identical to their definitions", () => {
  it("downsampleMean and downsampleMode, every dtype, odd and even dims", () => {
    const r = prng(77);
    for (const dtype of DTYPES) {
      for (let trial = 0; trial < 25; trial++) {
        const dims: Vec3 = [1 + Math.floor(r() * 11), 1 + Math.floor(r() * 9), 1 + Math.floor(r() * 7)];
        const a = field(dtype, dims[0] * dims[1] * dims[2], r);
        expect(bits(downsampleMean(a, dims, dtype))).toEqual(bits(refMean(a, dims, dtype)));
        expect(bits(downsampleMode(a, dims, dtype))).toEqual(bits(refMode(a, dims, dtype)));
      }
    }
  });

  it("brickStats: min/max/mean bit-identical to a sequential loop over the finite values", () => {
    const r = prng(78);
    for (let trial = 0; trial < 200; trial++) {
      const a = field("f32", 1 + Math.floor(r() * 300), r) as Float32Array;
      if (trial % 3 === 0)
        for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]) || !Number.isFinite(a[i])) a[i] = 1;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let sum = 0;
      let valid = 0;
      for (const v of a) {
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
        valid++;
      }
      const s = brickStats(a, "scalar");
      if (s.uniform) continue;
      const f64 = (x: number[]) => Buffer.from(new Float64Array(x).buffer);
      const want = valid === 0 ? [Number.NaN, Number.NaN, Number.NaN, 0] : [min, max, sum / valid, valid];
      expect(f64([s.min, s.max, s.mean, s.validCount])).toEqual(f64(want));
    }
  });
});
