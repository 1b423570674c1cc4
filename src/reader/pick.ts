/**
 * Ray picking on a dataset: the first voxel of a level whose value passes a
 * test (value ≥ threshold, or an id in a material set).
 *
 * Two-level DDA: the ray steps through the level's brick grid and each
 * crossed brick is judged by its entry's stats (exact, float64) without
 * touching its bytes — uniform bricks hit or miss by their value, bricks
 * whose [min, max] excludes every hit are skipped. Only the remaining bricks
 * are fetched, in ray order, a few ahead; each is decoded and walked voxel
 * by voxel by the ray kernel inside the decode worker, so neither decoded
 * data nor more than the hit crosses back. (Coarser levels' entries hold
 * stats of downsampled values, which do not bound finer values, so they
 * cannot prune a pick at a finer level.)
 *
 * Ray coordinates: `space: "voxel"` (default) is level-0 voxel space, where
 * voxel (i, j, k) spans [i, i+1) × [j, j+1) × [k, k+1); `space: "world"` is
 * world space, mapped to voxel space by the inverse of the header's
 * transform (or (world − origin) / spacing when it has none); hits report
 * world positions through the transform. Distances are in the ray's own
 * space: |direction| × ray parameter (an affine map keeps the parameter).
 */
import { Encoding } from "../format/constants";
import { FlatvoxError } from "../shared/errors";
import type { Vec3 } from "../shared/types";
import { applyPoint, applyRay, gridToWorld, invertAffine } from "../shared/world-transform";
import type { HitTest } from "../worker/protocol";
import type { BrickAccess, CallOptions, FieldRef } from "./dataset-types";

export interface PickQuery {
  field: FieldRef;
  /** Timestep index. */
  t: number;
  ray: { origin: Vec3; direction: Vec3 };
  space?: "voxel" | "world";
  /** Hit when value >= threshold (NaN never hits). */
  threshold?: number;
  /** Hit when the value is one of these ids (integers in 0 … 2^24 − 1). */
  materials?: number[];
  /** Level to pick at (default 0: exact values). */
  level?: number;
  /** Ignore hits farther than this (ray-space units). */
  maxDistance?: number;
}

export interface PickHit {
  /** Voxel index at `level` (level-0 voxels ijk·2^level … ). */
  ijk: Vec3;
  /** World position of the voxel's centre. */
  world: Vec3;
  /** World position where the ray enters the voxel (the ray origin when it starts inside). */
  point: Vec3;
  value: number;
  level: number;
  /** Ray-space distance from the origin to `point`. */
  distance: number;
  /** Timestep index and its time value. */
  t: number;
  time: number;
}

/** Candidate bricks fetched and walked ahead of the one being awaited. */
const AHEAD = 4;

interface Crossed {
  brick: Vec3;
  s0: number;
  s1: number;
}

export async function pickVoxel(
  ds: BrickAccess,
  q: PickQuery,
  opts: CallOptions = {},
): Promise<PickHit | null> {
  const level = q.level ?? 0;
  const { field, geo } = ds.checkQuery(q.field, q.t, level);
  const test = hitTest(q);
  const info = ds.info;
  const world = q.space === "world";
  if (q.space !== undefined && q.space !== "voxel" && !world) {
    throw new FlatvoxError("QueryError", `ray space must be "voxel" or "world", not ${String(q.space)}`);
  }
  const oIn = q.ray.origin;
  const dIn = q.ray.direction;
  if (![...oIn, ...dIn].every(Number.isFinite) || oIn.length !== 3 || dIn.length !== 3) {
    throw new FlatvoxError("QueryError", "ray origin and direction need three finite numbers each");
  }
  const dLen = Math.hypot(dIn[0], dIn[1], dIn[2]);
  if (!(dLen > 0)) throw new FlatvoxError("QueryError", "ray direction is zero");
  const toWorld = gridToWorld(info);
  const { origin: o, direction: d } = world
    ? applyRay(invertAffine(toWorld), { origin: oIn, direction: dIn })
    : { origin: oIn, direction: dIn };
  const sMax = q.maxDistance === undefined ? Infinity : q.maxDistance / dLen;
  if (Number.isNaN(sMax) || sMax < 0)
    throw new FlatvoxError("QueryError", `bad maxDistance ${q.maxDistance}`);

  const dims0 = info.dims;
  const grid = slab(o, d, [0, 0, 0], dims0, 0, sMax);
  if (!grid) return null;
  const scale = 2 ** level;
  const crossed = crossedBricks(o, d, grid[0], grid[1], info.brickSize * scale, dims0, geo.bricks);
  const entries = await Promise.all(crossed.map((c) => ds.brickEntry(field, q.t, level, c.brick, opts)));

  const finish = (ijk: Vec3, value: number, s: number): PickHit => {
    const centre = applyPoint(
      toWorld,
      [0, 1, 2].map((a) => {
        const lo = ijk[a] * scale;
        const hi = Math.min(dims0[a], lo + scale);
        return (lo + hi) / 2;
      }),
    );
    const point = applyPoint(
      toWorld,
      [0, 1, 2].map((a) => o[a] + d[a] * s),
    );
    return { ijk, world: centre, point, value, level, distance: s * dLen, t: q.t, time: info.times[q.t] };
  };

  // Judge every crossed brick by its stats; stop at the first uniform hit (nothing beyond can be first).
  const candidates: number[] = [];
  let uniformHit = -1;
  for (let i = 0; i < crossed.length; i++) {
    const e = entries[i];
    if (e.validCount === 0) continue;
    if (e.encoding === Encoding.UNIFORM) {
      if (hits(test, e.min)) {
        uniformHit = i;
        break;
      }
      continue;
    }
    if (mayContain(test, e.min, e.max)) candidates.push(i);
  }

  const ac = new AbortController();
  const onAbort = () => ac.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const started: Promise<{ ijk: Vec3; value: number; t: number } | null>[] = [];
  const startJob = (n: number): void => {
    const i = candidates[n];
    const e = entries[i];
    const { s0, s1 } = crossed[i];
    const off = e.voxelMin;
    const p = ds.brickJob(e, { signal: ac.signal }).then((job) =>
      ds.executor.pickBrick(
        {
          ...job,
          dims: e.size,
          origin: [0, 1, 2].map((a) => (o[a] - off[a] * scale) / scale) as Vec3,
          direction: [d[0] / scale, d[1] / scale, d[2] / scale],
          tMin: s0,
          tMax: s1,
          test: "threshold" in test ? { threshold: test.threshold } : { materials: [...test.materials] },
        },
        { signal: ac.signal, transferInput: job.ownsBytes },
      ),
    );
    p.catch(() => {});
    started.push(p);
  };
  try {
    for (let n = 0; n < Math.min(AHEAD, candidates.length); n++) startJob(n);
    for (let n = 0; n < candidates.length; n++) {
      if (n + AHEAD < candidates.length) startJob(n + AHEAD);
      const r = await started[n];
      if (r) {
        const e = entries[candidates[n]];
        const ijk: Vec3 = [e.voxelMin[0] + r.ijk[0], e.voxelMin[1] + r.ijk[1], e.voxelMin[2] + r.ijk[2]];
        return finish(ijk, r.value, r.t);
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    ac.abort(); // cancel fetches and worker jobs started ahead of the hit
  }
  if (opts.signal?.aborted) throw new FlatvoxError("AbortError", "operation was cancelled");
  if (uniformHit < 0) return null;
  const e = entries[uniformHit];
  const s = crossed[uniformHit].s0;
  const ijk = [0, 1, 2].map((a) => {
    const x = (o[a] + d[a] * s) / scale;
    let c = Math.floor(x);
    if (d[a] < 0 && c === x) c--; // on a face, moving down: the voxel below is the one entered
    return Math.max(e.voxelMin[a], Math.min(e.voxelMin[a] + e.size[a] - 1, c));
  }) as Vec3;
  return finish(ijk, e.min, s);
}

function hitTest(q: PickQuery): HitTest {
  const hasT = q.threshold !== undefined;
  const hasM = q.materials !== undefined;
  if (hasT === hasM) throw new FlatvoxError("QueryError", "pick needs exactly one of threshold or materials");
  if (hasT) {
    if (Number.isNaN(q.threshold)) throw new FlatvoxError("QueryError", "threshold is NaN");
    return { threshold: q.threshold as number };
  }
  const m = q.materials as number[];
  for (const id of m)
    if (!Number.isInteger(id) || id < 0 || id > 0xffffff)
      throw new FlatvoxError("QueryError", `bad material id ${id}`);
  return { materials: m };
}

function hits(test: HitTest, v: number): boolean {
  return "threshold" in test ? v >= test.threshold : test.materials.includes(v);
}

/** Whether a brick with these (exact) stats may hold a voxel that hits. */
function mayContain(test: HitTest, min: number, max: number): boolean {
  if ("threshold" in test) return max >= test.threshold;
  return test.materials.some((m) => m >= min && m <= max);
}

/** Ray parameter interval inside [lo, hi) within [sA, sB], or undefined when empty. */
export function slab(
  o: Vec3,
  d: Vec3,
  lo: Vec3,
  hi: Vec3,
  sA: number,
  sB: number,
): [number, number] | undefined {
  let s0 = sA;
  let s1 = sB;
  for (let a = 0; a < 3; a++) {
    if (d[a] === 0) {
      if (!(o[a] >= lo[a] && o[a] < hi[a])) return undefined;
      continue;
    }
    let ta = (lo[a] - o[a]) / d[a];
    let tb = (hi[a] - o[a]) / d[a];
    if (ta > tb) [ta, tb] = [tb, ta];
    if (ta > s0) s0 = ta;
    if (tb < s1) s1 = tb;
  }
  return s0 < s1 ? [s0, s1] : undefined;
}

/**
 * Bricks (edge `cell` level-0 voxels, the last ones clipped to the grid) the
 * ray crosses between sA and sB, in ray order, each with its exact interval.
 * Amanatides–Woo over the brick grid; cells touched only at a point are dropped.
 */
export function crossedBricks(
  o: Vec3,
  d: Vec3,
  sA: number,
  sB: number,
  cell: number,
  dims0: Vec3,
  bricks: Vec3,
): Crossed[] {
  const out: Crossed[] = [];
  const c: Vec3 = [0, 0, 0];
  const step: Vec3 = [0, 0, 0];
  const next: Vec3 = [Infinity, Infinity, Infinity];
  const boundary = (a: number): number => {
    if (step[a] === 0) return Infinity;
    const face = (c[a] + (step[a] > 0 ? 1 : 0)) * cell;
    return (face - o[a]) / d[a];
  };
  for (let a = 0; a < 3; a++) {
    const p = o[a] + d[a] * sA;
    c[a] = Math.max(0, Math.min(bricks[a] - 1, Math.floor(p / cell)));
    step[a] = d[a] > 0 ? 1 : d[a] < 0 ? -1 : 0;
    next[a] = boundary(a);
  }
  const limit = bricks[0] + bricks[1] + bricks[2] + 3;
  for (let n = 0; n < limit; n++) {
    const lo: Vec3 = [c[0] * cell, c[1] * cell, c[2] * cell];
    const hi: Vec3 = [0, 1, 2].map((a) => Math.min(dims0[a], lo[a] + cell)) as Vec3;
    const r = slab(o, d, lo, hi, sA, sB);
    if (r) out.push({ brick: [c[0], c[1], c[2]], s0: r[0], s1: r[1] });
    const a = next[0] <= next[1] ? (next[0] <= next[2] ? 0 : 2) : next[1] <= next[2] ? 1 : 2;
    if (!(next[a] < sB)) break;
    c[a] += step[a];
    if (c[a] < 0 || c[a] >= bricks[a]) break;
    next[a] = boundary(a);
  }
  return out;
}
