/** Copying decoded bricks into a region buffer: row-wise typed-array copies of the overlap. */
import type { TypedArray, Vec3 } from "../shared/types";

function overlap(rMin: Vec3, rSize: Vec3, bMin: Vec3, bSize: Vec3): { lo: Vec3; hi: Vec3 } | undefined {
  const lo: Vec3 = [0, 0, 0];
  const hi: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    lo[i] = Math.max(rMin[i], bMin[i]);
    hi[i] = Math.min(rMin[i] + rSize[i], bMin[i] + bSize[i]);
    if (hi[i] <= lo[i]) return undefined;
  }
  return { lo, hi };
}

/**
 * Each x-row of the overlap of a brick (origin `bMin`, size `bSize`) with the
 * region (origin `rMin`, size `rSize`): `row(dst, src, width)` with the row's
 * first index in the region and in the brick.
 */
function overlapRows(
  rMin: Vec3,
  rSize: Vec3,
  bMin: Vec3,
  bSize: Vec3,
  row: (dst: number, src: number, width: number) => void,
): void {
  const o = overlap(rMin, rSize, bMin, bSize);
  if (!o) return;
  const w = o.hi[0] - o.lo[0];
  for (let z = o.lo[2]; z < o.hi[2]; z++) {
    for (let y = o.lo[1]; y < o.hi[1]; y++) {
      const src = o.lo[0] - bMin[0] + bSize[0] * (y - bMin[1] + bSize[1] * (z - bMin[2]));
      const dst = o.lo[0] - rMin[0] + rSize[0] * (y - rMin[1] + rSize[1] * (z - rMin[2]));
      row(dst, src, w);
    }
  }
}

/** Copy the part of a brick (origin `bMin`, size `bSize`) inside the region (origin `rMin`, size `rSize`). */
export function copyBrickIntoRegion(
  out: TypedArray,
  rMin: Vec3,
  rSize: Vec3,
  brick: TypedArray,
  bMin: Vec3,
  bSize: Vec3,
): void {
  overlapRows(rMin, rSize, bMin, bSize, (dst, src, w) => out.set(brick.subarray(src, src + w), dst));
}

/** Fill the part of a uniform brick inside the region with its value. */
export function fillRegionBox(
  out: TypedArray,
  rMin: Vec3,
  rSize: Vec3,
  bMin: Vec3,
  bSize: Vec3,
  value: number,
): void {
  overlapRows(rMin, rSize, bMin, bSize, (dst, _src, w) => out.fill(value, dst, dst + w));
}
