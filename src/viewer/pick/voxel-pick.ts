/**
 * Picking over the bricks already in memory: a two-level DDA. The outer walk
 * steps through level-0 brick cells and skips any cell whose finest cached
 * brick cannot contain a hit (by its index stats: uniform value, max below
 * threshold) without touching voxels; the inner walk steps voxel by voxel
 * through that brick at its own level. A hit in a coarse brick is reported as
 * coarse so the caller can refine it once the level-0 brick arrives.
 */
import type { TypedArray, Vec3 } from "../../shared/types";
import type { BrickSummary } from "../data/viewer-types";

export interface CachedBrick {
  level: number;
  brick: Vec3;
  summary: BrickSummary;
  /** Absent for uniform bricks. */
  data?: TypedArray;
  dims: Vec3;
}

export interface PickGrid {
  dims0: Vec3;
  brickSize: number;
  /** Finest cached brick covering a level-0 brick cell, or undefined. */
  resolve(cell: Vec3): CachedBrick | undefined;
}

export interface PickTest {
  voxel(v: number): boolean;
  /** False when no voxel of the brick can pass `voxel` (from its stats). */
  brick(s: BrickSummary): boolean;
}

export interface PickHit {
  /** Level-0 voxel index. */
  ijk: Vec3;
  level: number;
  /** Voxel index at `level`. */
  levelIjk: Vec3;
  value: number;
  /** Ray parameter at the hit, in level-0 voxel units along `dir` (normalized). */
  distance: number;
  exact: boolean;
  /** Some cells along the ray had no cached data at all. */
  gaps: boolean;
}

export interface Ray {
  origin: Vec3;
  dir: Vec3;
}

function slab(o: Vec3, d: Vec3, min: Vec3, max: Vec3): [number, number] {
  let t0 = -Infinity;
  let t1 = Infinity;
  for (let i = 0; i < 3; i++) {
    if (Math.abs(d[i]) < 1e-12) {
      if (o[i] < min[i] || o[i] > max[i]) return [1, 0];
      continue;
    }
    const a = (min[i] - o[i]) / d[i];
    const b = (max[i] - o[i]) / d[i];
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  }
  return [t0, t1];
}

/** Voxel-space DDA: calls visit(cell, tEnter, tExit) for each cell of size `size` until it returns true. */
export function walkCells(
  ray: Ray,
  size: number,
  t0: number,
  t1: number,
  limit: Vec3,
  visit: (cell: Vec3, tEnter: number, tExit: number) => boolean,
): boolean {
  const o = ray.origin;
  const d = ray.dir;
  const p = [0, 1, 2].map((i) => o[i] + d[i] * (t0 + 1e-7)) as Vec3;
  const cell = [0, 1, 2].map((i) => Math.min(limit[i] - 1, Math.max(0, Math.floor(p[i] / size)))) as Vec3;
  const step = [0, 0, 0];
  const tMax = [Infinity, Infinity, Infinity];
  const tDelta = [Infinity, Infinity, Infinity];
  for (let i = 0; i < 3; i++) {
    if (d[i] > 0) {
      step[i] = 1;
      tMax[i] = ((cell[i] + 1) * size - o[i]) / d[i];
      tDelta[i] = size / d[i];
    } else if (d[i] < 0) {
      step[i] = -1;
      tMax[i] = (cell[i] * size - o[i]) / d[i];
      tDelta[i] = -size / d[i];
    }
  }
  let t = t0;
  for (let guard = 0; guard < 1 << 20 && t < t1; guard++) {
    const a = tMax[0] < tMax[1] ? (tMax[0] < tMax[2] ? 0 : 2) : tMax[1] < tMax[2] ? 1 : 2;
    const exit = Math.min(tMax[a], t1);
    if (visit([cell[0], cell[1], cell[2]], t, exit)) return true;
    t = tMax[a];
    cell[a] += step[a];
    if (cell[a] < 0 || cell[a] >= limit[a]) break;
    tMax[a] += tDelta[a];
  }
  return false;
}

export function pickVoxel(
  grid: PickGrid,
  ray: Ray,
  test: PickTest,
  clip?: { min: Vec3; max: Vec3 },
): PickHit | undefined {
  const min = clip?.min ?? [0, 0, 0];
  const max = clip?.max ?? grid.dims0;
  const [a, b] = slab(ray.origin, ray.dir, min, max);
  const t0 = Math.max(a, 0);
  if (!(t0 < b)) return undefined;
  const B = grid.brickSize;
  const cells = grid.dims0.map((n) => Math.ceil(n / B)) as Vec3;
  let gaps = false;
  let hit: PickHit | undefined;
  walkCells(ray, B, t0, b, cells, (cell, tin, tout) => {
    const cb = grid.resolve(cell);
    if (!cb) {
      gaps = true;
      return false;
    }
    if (!test.brick(cb.summary)) return false;
    const s = 2 ** cb.level;
    const base = cb.brick.map((v) => v * B) as Vec3;
    const levelLimit = cb.brick.map((v, i) => v * B + cb.dims[i]) as Vec3;
    return walkCells(ray, s, tin, tout, levelLimit.map((v) => v) as Vec3, (v, vin) => {
      const local = [v[0] - base[0], v[1] - base[1], v[2] - base[2]];
      if (local.some((x, i) => x < 0 || x >= cb.dims[i])) return false;
      const value =
        cb.data === undefined
          ? (cb.summary.uniform as number)
          : cb.data[local[0] + cb.dims[0] * (local[1] + cb.dims[1] * local[2])];
      if (!test.voxel(value)) return false;
      // Level-0 voxel where the ray enters this (possibly coarse) voxel.
      const ijk = [0, 1, 2].map((i) => {
        const p = Math.floor(ray.origin[i] + ray.dir[i] * (vin + 1e-6));
        return Math.min(Math.min((v[i] + 1) * s, grid.dims0[i]) - 1, Math.max(v[i] * s, p));
      }) as Vec3;
      hit = { ijk, level: cb.level, levelIjk: v, value, distance: vin, exact: cb.level === 0, gaps };
      return true;
    });
  });
  return hit;
}
