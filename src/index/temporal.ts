/**
 * Time value → timestep lookups over a strictly increasing list of times.
 *
 * - `timestepAt(times, t, "exact")`: the index whose time equals t, else undefined.
 * - `"floor"`: the last timestep with time ≤ t (undefined before the first).
 * - `"nearest"`: the closest timestep; a tie (t exactly halfway) goes to the
 *   earlier one; t outside the range clamps to the first/last timestep.
 * - `timesteps(times, {from, to})`: all indices whose time lies in the closed
 *   interval [from, to] (either bound optional), as [first, last] inclusive or
 *   undefined when none.
 */
import { FlatvoxError } from "../shared/errors";

export type TimeMatch = "exact" | "floor" | "nearest";

/** First index with times[i] >= t (times.length when none). */
export function lowerBoundTime(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function timestepAt(
  times: ArrayLike<number>,
  t: number,
  match: TimeMatch = "exact",
): number | undefined {
  if (Number.isNaN(t)) throw new FlatvoxError("QueryError", "time must be a number");
  const n = times.length;
  if (n === 0) return undefined;
  const i = lowerBoundTime(times, t);
  switch (match) {
    case "exact":
      return i < n && times[i] === t ? i : undefined;
    case "floor":
      if (i < n && times[i] === t) return i;
      return i === 0 ? undefined : i - 1;
    case "nearest":
      if (i === 0) return 0;
      if (i === n) return n - 1;
      return t - times[i - 1] <= times[i] - t ? i - 1 : i;
  }
}

export function timesteps(
  times: ArrayLike<number>,
  range: { from?: number; to?: number },
): [number, number] | undefined {
  const from = range.from ?? Number.NEGATIVE_INFINITY;
  const to = range.to ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new FlatvoxError("QueryError", "time range must be numbers");
  if (from > to) return undefined;
  const a = lowerBoundTime(times, from);
  const b = lowerBoundTime(times, to);
  const last = b < times.length && times[b] === to ? b : b - 1;
  return a <= last ? [a, last] : undefined;
}
