/**
 * Ray picking on core memory: DDA through one brick, voxel-by-voxel DDA over
 * a level-0 brick table (the baseline), and the hierarchical DDA over the
 * octree node array (layout.ts) that skips nodes whose stats rule out a hit.
 * Rays are origin + t·direction in level-0 voxel units (per-brick for
 * `brick`); the direction need not be normalised.
 */
import { FlatvoxError } from "../shared/errors";
import type { DType, Vec3 } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import { DTYPE_CODE } from "./layout";
import { resolveCore } from "./resolve-core";

export interface Ray {
  origin: Vec3;
  direction: Vec3;
  tMin?: number;
  tMax?: number;
}

/** value >= threshold (NaN never hits), or an integral value in the material set. */
export type HitTest = { threshold: number } | { materials: ReadonlyArray<number> };

export interface RayHit {
  /** Voxel index at `level` (level-0 voxel = ijk · 2^level). */
  ijk: Vec3;
  value: number;
  /** Ray parameter where the ray enters the hit voxel (or tMin if it starts inside). */
  t: number;
  level: number;
}

export interface RayResult {
  hit?: RayHit;
  /** Nodes neither loaded nor uniform that the ray crossed with no coarser data to use. */
  unresolved: number;
  /** Voxels (and uniform nodes) visited. */
  steps: number;
}

export interface BrickTable {
  /** Node array pointer and a table of node indices (-1 = empty), one per level-0 brick. */
  nodes: number;
  table: number;
  bricks: Vec3;
  /** log2 of the brick edge in voxels. */
  shift: number;
  dims: Vec3;
}

export interface RayKernels {
  implementation: Implementation;
  core: Core;
  brick(ptr: number, dtype: DType, dims: Vec3, ray: Ray, test: HitTest): RayResult;
  grid(table: BrickTable, dtype: DType, ray: Ray, test: HitTest): RayResult;
  octree(nodes: number, root: number, dtype: DType, ray: Ray, test: HitTest): RayResult;
}

const MAX_DEPTH = 32;

export async function createRayKernels(core?: Core | CoreOptions): Promise<RayKernels> {
  const c = await resolveCore(core);
  const { memory, ops } = c;
  // Persistent scratch: hit record + per-depth child lists for the octree walk.
  const out = memory.alloc(64);
  const scratch = memory.alloc(192 * MAX_DEPTH);

  const withTest = (test: HitTest, run: (mode: number, thr: number, set: number, bits: number) => number): RayResult => {
    const m = memory.mark();
    let mode = 0;
    let thr = 0;
    let set = 0;
    let bits = 0;
    if ("threshold" in test) thr = test.threshold;
    else {
      mode = 1;
      for (const id of test.materials)
        if (!Number.isInteger(id) || id < 0 || id > 0xffffff) throw new FlatvoxError("QueryError", `bad material id ${id}`);
      bits = test.materials.length ? Math.max(...test.materials) + 1 : 0;
      set = memory.alloc(4 * Math.max(1, Math.ceil(bits / 32)));
      const u32 = memory.views().u32;
      u32.fill(0, set >> 2, (set >> 2) + Math.max(1, Math.ceil(bits / 32)));
      for (const id of test.materials) u32[(set >> 2) + (id >>> 5)] |= 1 << (id & 31);
    }
    const hit = run(mode, thr, set, bits);
    memory.release(m);
    const f = memory.views().f64.subarray(out >> 3, (out >> 3) + 8);
    return {
      hit: hit ? { ijk: [f[0], f[1], f[2]], value: f[3], t: f[4], level: f[5] } : undefined,
      unresolved: f[6],
      steps: f[7],
    };
  };
  const span = (r: Ray): [number, number] => [r.tMin ?? 0, r.tMax ?? Infinity];

  return {
    implementation: c.implementation,
    core: c,
    brick(ptr, dtype, dims, ray, test) {
      const [o, d] = [ray.origin, ray.direction];
      const [t0, t1] = span(ray);
      return withTest(test, (mode, thr, set, bits) =>
        ops.rayBrick(ptr, DTYPE_CODE[dtype], dims[0], dims[1], dims[2], o[0], o[1], o[2], d[0], d[1], d[2], t0, t1, mode, thr, set, bits, out),
      );
    },
    grid(t, dtype, ray, test) {
      const [o, d] = [ray.origin, ray.direction];
      const [t0, t1] = span(ray);
      return withTest(test, (mode, thr, set, bits) =>
        ops.rayGrid(
          t.nodes,
          t.table,
          t.bricks[0],
          t.bricks[1],
          t.shift,
          t.dims[0],
          t.dims[1],
          t.dims[2],
          DTYPE_CODE[dtype],
          o[0],
          o[1],
          o[2],
          d[0],
          d[1],
          d[2],
          t0,
          t1,
          mode,
          thr,
          set,
          bits,
          out,
        ),
      );
    },
    octree(nodes, root, dtype, ray, test) {
      const [o, d] = [ray.origin, ray.direction];
      const [t0, t1] = span(ray);
      return withTest(test, (mode, thr, set, bits) =>
        ops.rayOctree(nodes, root, DTYPE_CODE[dtype], o[0], o[1], o[2], d[0], d[1], d[2], t0, t1, mode, thr, set, bits, scratch, out),
      );
    },
  };
}
