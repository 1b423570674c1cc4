/**
 * Region statistics over a half-open voxel box of one level: min, max, mean,
 * counts and a histogram. Bricks that answer themselves cost no I/O: uniform
 * bricks always (their value is in the entry), whole bricks of scalar fields
 * when no histogram is asked (min, max, mean and valid count are in the
 * entry). The others are fetched and reduced by the region-stats kernel in
 * the decode workers; only the small result comes back.
 */
import { addStats, addUniform, emptyStats, type HistogramSpec, type RegionStats } from "../core/region-stats";
import { Encoding } from "../format/constants";
import { FlatvoxError, throwIfAborted } from "../shared/errors";
import { type Box3, bytesPerValue, type Vec3 } from "../shared/types";
import type { CallOptions, BrickAccess as Dataset, FieldRef, LocatedEntry } from "./dataset-types";
import { inWaves } from "./waves";

export interface StatsQuery {
  field: FieldRef;
  t: number;
  /** Half-open voxel box of `level`. */
  box: Box3;
  level?: number;
  /** Histogram bins (default 64; 0 = no histogram, which lets whole bricks answer from their entries). */
  bins?: number;
  /** Histogram range (default: the smallest and largest value of the bricks the box touches, from their entries). */
  range?: [number, number];
}

export interface StatsResult {
  /** NaN when the box holds no non-NaN voxel. */
  min: number;
  max: number;
  mean: number;
  sum: number;
  /** Finite voxels (NaN and ±Inf are counted in nanCount). */
  count: number;
  nanCount: number;
  histogram?: Uint32Array;
  /** The histogram's [lo, hi]: bin i covers [lo + i·w, lo + (i+1)·w), the last bin includes hi. */
  range?: [number, number];
  /** Values outside the histogram range. */
  below: number;
  above: number;
  /** Bricks the box touches, and how many of them were answered from their entries alone. */
  bricks: { total: number; fromEntries: number };
}

const DEFAULT_BINS = 64;

export async function regionStats(ds: Dataset, q: StatsQuery, opts: CallOptions = {}): Promise<StatsResult> {
  throwIfAborted(opts.signal);
  const level = q.level ?? 0;
  const { field, geo } = ds.checkQuery(q.field, q.t, level);
  const { min, max } = q.box;
  for (let i = 0; i < 3; i++) {
    const ok =
      Number.isInteger(min[i]) &&
      Number.isInteger(max[i]) &&
      min[i] >= 0 &&
      max[i] <= geo.dims[i] &&
      min[i] <= max[i];
    if (!ok) {
      throw new FlatvoxError(
        "RangeError",
        `box ${JSON.stringify(q.box)} outside level ${level} dims ${geo.dims.join("×")}`,
      );
    }
  }
  const bins = q.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(bins) || bins < 0 || bins > 1 << 20)
    throw new FlatvoxError("QueryError", `bad bin count ${bins}`);
  const kind = ds.info.fields[field].kind;

  const B = ds.info.brickSize;
  const empty = min.some((v, i) => v >= max[i]);
  const coords: Vec3[] = [];
  if (!empty)
    for (let bz = Math.floor(min[2] / B); bz * B < max[2]; bz++)
      for (let by = Math.floor(min[1] / B); by * B < max[1]; by++)
        for (let bx = Math.floor(min[0] / B); bx * B < max[0]; bx++) coords.push([bx, by, bz]);
  const entries = await Promise.all(coords.map((b) => ds.brickEntry(field, q.t, level, b, opts)));

  let histogram: HistogramSpec | undefined;
  if (bins > 0) {
    let [lo, hi] = q.range ?? [Infinity, -Infinity];
    if (q.range) {
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo)
        throw new FlatvoxError("QueryError", `bad histogram range [${lo}, ${hi}]`);
    } else {
      for (const e of entries) {
        if (e.validCount === 0) continue;
        if (e.min < lo) lo = e.min;
        if (e.max > hi) hi = e.max;
      }
      if (lo > hi) lo = hi = 0; // nothing but NaN: every voxel lands in nanCount anyway
    }
    histogram = { bins, lo, hi };
  }

  const acc = emptyStats(histogram);
  const parts: (RegionStats | undefined)[] = new Array(entries.length);
  const read: { e: LocatedEntry; i: number; lo: Vec3; hi: Vec3 }[] = [];
  let fromEntries = 0;
  entries.forEach((e, i) => {
    const lo: Vec3 = [0, 1, 2].map((a) => Math.max(min[a], e.voxelMin[a]) - e.voxelMin[a]) as Vec3;
    const hi: Vec3 = [0, 1, 2].map(
      (a) => Math.min(max[a], e.voxelMin[a] + e.size[a]) - e.voxelMin[a],
    ) as Vec3;
    const voxels = (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
    const whole = voxels === e.size[0] * e.size[1] * e.size[2];
    if (e.encoding === Encoding.UNIFORM) {
      parts[i] = addUniform(emptyStats(histogram), e.min, voxels, histogram);
      fromEntries++;
    } else if (whole && !histogram && kind === "scalar") {
      parts[i] = entryStats(e, voxels);
      fromEntries++;
    } else {
      read.push({ e, i, lo, hi });
    }
  });
  // Bricks that need their voxels go in waves: memory stays bounded for a box of any size.
  const bpv = bytesPerValue(ds.info.fields[field].dtype);
  await inWaves(
    read,
    ({ e }) => e.length + e.size[0] * e.size[1] * e.size[2] * bpv,
    async ({ e, i, lo, hi }) => {
      const job = await ds.brickJob(e, opts);
      parts[i] = await ds.executor.statsBrick(
        { ...job, dims: e.size, box: { min: lo, max: hi }, histogram },
        { signal: opts.signal, transferInput: job.ownsBytes },
      );
    },
    { signal: opts.signal, waveBytes: opts.waveBytes },
  );
  // Merge in brick order so the floating-point sum does not depend on completion order.
  for (const p of parts) if (p) addStats(acc, p);
  const none = acc.count === 0;
  return {
    min: none ? Number.NaN : acc.min,
    max: none ? Number.NaN : acc.max,
    mean: acc.mean,
    sum: acc.sum,
    count: acc.count,
    nanCount: acc.nanCount,
    histogram: acc.histogram,
    range: histogram ? [histogram.lo, histogram.hi] : undefined,
    below: acc.below,
    above: acc.above,
    bricks: { total: entries.length, fromEntries },
  };
}

/** A whole scalar brick from its entry: exact min/max/count, sum from the stored mean. */
function entryStats(e: LocatedEntry, voxels: number): RegionStats {
  const s = emptyStats();
  if (e.validCount > 0) {
    s.min = e.min;
    s.max = e.max;
    s.count = e.validCount;
    s.sum = e.mean * e.validCount;
    s.mean = e.mean;
  }
  s.nanCount = voxels - e.validCount;
  return s;
}
