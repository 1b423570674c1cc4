/**
 * JS twin of regionStats (assembly/stats.ts): same four-lane order for min,
 * max and sum so results match the SIMD kernel exactly. Output record (f64):
 * min, max, sum, count, non-finite count (NaN, ±Inf), below, above, 0; then `bins` u32 counts.
 */
import type { TypedArray } from "../shared/types";

/** The brick (nx × ny × …), the half-open box [x0, x1) × [y0, y1) × [z0, z1) and the histogram's bins over [lo, hi). */
export type RegionQuery = Record<
  "nx" | "ny" | "x0" | "y0" | "z0" | "x1" | "y1" | "z1" | "bins" | "lo" | "hi",
  number
>;

export function regionStatsJs(
  src: TypedArray,
  query: RegionQuery,
  out: Float64Array,
  outIndex: number,
  hist: Uint32Array,
  histIndex: number,
): void {
  const { nx, ny, x0, y0, z0, x1, y1, z1, bins, lo, hi } = query;
  const mn = [Infinity, Infinity, Infinity, Infinity];
  const mx = [-Infinity, -Infinity, -Infinity, -Infinity];
  const s = [0, 0, 0, 0];
  let count = 0;
  let nans = 0;
  let below = 0;
  let above = 0;
  for (let b = 0; b < bins; b++) hist[histIndex + b] = 0;
  const scale = hi > lo ? bins / (hi - lo) : 0;
  const w = x1 - x0;
  if (w > 0 && y1 > y0 && z1 > z0) {
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const row = x0 + nx * (y + ny * z);
        for (let j = 0; j < w; j++) {
          const v = src[row + j];
          if (!(Math.abs(v) < Number.POSITIVE_INFINITY)) {
            nans++;
            continue;
          }
          count++;
          const lane = j & 3;
          s[lane] += v;
          if (v < mn[lane]) mn[lane] = v;
          if (v > mx[lane]) mx[lane] = v;
          if (bins > 0) {
            if (v < lo) below++;
            else if (v > hi) above++;
            else hist[histIndex + Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
          }
        }
      }
  }
  let lo4 = mn[0];
  if (mn[1] < lo4) lo4 = mn[1];
  if (mn[2] < lo4) lo4 = mn[2];
  if (mn[3] < lo4) lo4 = mn[3];
  let hi4 = mx[0];
  if (mx[1] > hi4) hi4 = mx[1];
  if (mx[2] > hi4) hi4 = mx[2];
  if (mx[3] > hi4) hi4 = mx[3];
  out[outIndex] = lo4;
  out[outIndex + 1] = hi4;
  out[outIndex + 2] = s[0] + s[2] + (s[1] + s[3]);
  out[outIndex + 3] = count;
  out[outIndex + 4] = nans;
  out[outIndex + 5] = below;
  out[outIndex + 6] = above;
  out[outIndex + 7] = 0;
}
