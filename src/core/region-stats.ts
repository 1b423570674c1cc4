/**
 * Region statistics: one kernel call per brick (min, max, sum, count, NaN
 * count, histogram over a given range), and a combiner that merges bricks and
 * answers uniform bricks from their value without touching data.
 */
import { FlatvoxError } from "../shared/errors";
import type { Box3, DType, Vec3 } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import { DTYPE_CODE } from "./layout";
import { resolveCore } from "./resolve-core";

export interface HistogramSpec {
  bins: number;
  lo: number;
  hi: number;
}

/** Accumulated stats. With no values: min = +Infinity, max = -Infinity, mean NaN. */
export interface RegionStats {
  min: number;
  max: number;
  sum: number;
  count: number;
  /** Non-finite voxels (NaN, ±Inf): no data for statistics. */
  nanCount: number;
  mean: number;
  /** Values outside the histogram range (when a histogram was asked). */
  below: number;
  above: number;
  histogram?: Uint32Array;
}

export interface StatsKernels {
  implementation: Implementation;
  core: Core;
  /** Stats of `box` (brick-local voxels, half-open) of the brick at `ptr` with `dims`. */
  brick(ptr: number, dtype: DType, dims: Vec3, box: Box3, histogram?: HistogramSpec): RegionStats;
}

export function emptyStats(histogram?: HistogramSpec): RegionStats {
  return {
    min: Infinity,
    max: -Infinity,
    sum: 0,
    count: 0,
    nanCount: 0,
    mean: Number.NaN,
    below: 0,
    above: 0,
    histogram: histogram ? new Uint32Array(histogram.bins) : undefined,
  };
}

/** Merge brick stats `part` into `acc` (in place; returns acc). */
export function addStats(acc: RegionStats, part: RegionStats): RegionStats {
  if (part.min < acc.min) acc.min = part.min;
  if (part.max > acc.max) acc.max = part.max;
  acc.sum += part.sum;
  acc.count += part.count;
  acc.nanCount += part.nanCount;
  acc.below += part.below;
  acc.above += part.above;
  if (acc.histogram && part.histogram)
    for (let i = 0; i < acc.histogram.length; i++) acc.histogram[i] += part.histogram[i];
  acc.mean = acc.count > 0 ? acc.sum / acc.count : Number.NaN;
  return acc;
}

/** Add `count` voxels all equal to `value` (a uniform brick) without reading data. */
export function addUniform(
  acc: RegionStats,
  value: number,
  count: number,
  histogram?: HistogramSpec,
): RegionStats {
  if (count <= 0) return acc;
  if (!(Math.abs(value) < Number.POSITIVE_INFINITY)) {
    acc.nanCount += count;
    return acc;
  }
  if (value < acc.min) acc.min = value;
  if (value > acc.max) acc.max = value;
  acc.sum += value * count;
  acc.count += count;
  if (histogram && acc.histogram) {
    const { bins, lo, hi } = histogram;
    if (value < lo) acc.below += count;
    else if (value > hi) acc.above += count;
    else
      acc.histogram[hi > lo ? Math.min(bins - 1, Math.floor((value - lo) * (bins / (hi - lo)))) : 0] += count;
  }
  acc.mean = acc.count > 0 ? acc.sum / acc.count : Number.NaN;
  return acc;
}

/** True when a brick's stored stats answer the query without its voxels. */
export function statsAnswerBrick(
  entry: { uniform: boolean },
  wantHistogram: boolean,
  coversWholeBrick: boolean,
): boolean {
  if (entry.uniform) return true;
  // min/max/mean of a whole brick are in its entry; a histogram or a partial box needs voxels.
  return coversWholeBrick && !wantHistogram;
}

/** Voxel count of a half-open box. */
export function boxVolume(b: Box3): number {
  return (
    Math.max(0, b.max[0] - b.min[0]) * Math.max(0, b.max[1] - b.min[1]) * Math.max(0, b.max[2] - b.min[2])
  );
}

export async function createRegionStats(core?: Core | CoreOptions): Promise<StatsKernels> {
  const c = await resolveCore(core);
  const { memory, ops } = c;
  return {
    implementation: c.implementation,
    core: c,
    brick(ptr, dtype, dims, box, histogram) {
      const bins = histogram?.bins ?? 0;
      const lo = histogram?.lo ?? 0;
      const hi = histogram?.hi ?? 0;
      if (
        histogram &&
        (!Number.isInteger(bins) || bins < 1 || !Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo)
      )
        throw new FlatvoxError("QueryError", `bad histogram: ${bins} bins over [${lo}, ${hi}]`);
      const cl = (v: number, n: number) => Math.max(0, Math.min(n, v));
      const [x0, y0, z0] = box.min.map((v, i) => cl(v, dims[i]));
      const [x1, y1, z1] = box.max.map((v, i) => cl(v, dims[i]));
      const m = memory.mark();
      const out = memory.alloc(64 + 4 * bins);
      ops.regionStats(ptr, DTYPE_CODE[dtype], dims[0], dims[1], x0, y0, z0, x1, y1, z1, bins, lo, hi, out);
      const v = memory.views();
      const f = v.f64.subarray(out >> 3, (out >> 3) + 8);
      const count = f[3];
      const r: RegionStats = {
        min: f[0],
        max: f[1],
        sum: f[2],
        count,
        nanCount: f[4],
        mean: count > 0 ? f[2] / count : Number.NaN,
        below: f[5],
        above: f[6],
        histogram: histogram ? v.u32.slice((out + 64) >> 2, ((out + 64) >> 2) + bins) : undefined,
      };
      memory.release(m);
      return r;
    },
  };
}
