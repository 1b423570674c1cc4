/**
 * Ray picking on core memory: the voxel walk through one dense brick, and the
 * hierarchical DDA over the octree node array (layout.ts) that skips nodes
 * whose stats rule out a hit and runs the same voxel walk in its leaves.
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

export interface RayKernels {
  implementation: Implementation;
  core: Core;
  brick(ptr: number, dtype: DType, dims: Vec3, ray: Ray, test: HitTest): RayResult;
  octree(nodes: number, root: number, dtype: DType, ray: Ray, test: HitTest): RayResult;
}

export async function createRayKernels(core?: Core | CoreOptions): Promise<RayKernels> {
  const c = await resolveCore(core);
  const { memory, ops } = c;
  // Persistent hit record, and the scratch argument rayOctree still takes.
  const out = memory.alloc(64);
  const scratch = memory.alloc(16);

  // Predicate arguments for the next kernel call; a material set is written
  // into core memory above `mark` and released by finish().
  let mode = 0;
  let thr = 0;
  let set = 0;
  let bits = 0;
  let mark = -1;
  const prepare = (test: HitTest): void => {
    if ("threshold" in test) {
      mode = 0;
      thr = test.threshold;
      set = 0;
      bits = 0;
      return;
    }
    for (const id of test.materials)
      if (!Number.isInteger(id) || id < 0 || id > 0xffffff)
        throw new FlatvoxError("QueryError", `bad material id ${id}`);
    mark = memory.mark();
    mode = 1;
    thr = 0;
    bits = test.materials.length ? Math.max(...test.materials) + 1 : 0;
    const words = Math.max(1, Math.ceil(bits / 32));
    set = memory.alloc(4 * words);
    const u32 = memory.views().u32;
    u32.fill(0, set >> 2, (set >> 2) + words);
    for (const id of test.materials) u32[(set >> 2) + (id >>> 5)] |= 1 << (id & 31);
  };
  /** Origin, direction, [tMin, tMax] and the predicate, as the ray kernels take them. */
  const rayArgs = (ray: Ray, test: HitTest) => {
    prepare(test);
    const o = ray.origin;
    const d = ray.direction;
    const t: [number, number] = [ray.tMin ?? 0, ray.tMax ?? Infinity];
    return [o[0], o[1], o[2], d[0], d[1], d[2], ...t, mode, thr, set, bits] as const;
  };
  const finish = (hit: number): RayResult => {
    if (mark >= 0) {
      memory.release(mark);
      mark = -1;
    }
    const f = memory.views().f64;
    const o = out >> 3;
    return {
      hit: hit
        ? { ijk: [f[o], f[o + 1], f[o + 2]], value: f[o + 3], t: f[o + 4], level: f[o + 5] }
        : undefined,
      unresolved: f[o + 6],
      steps: f[o + 7],
    };
  };

  return {
    implementation: c.implementation,
    core: c,
    brick(ptr, dtype, dims, ray, test) {
      const a = rayArgs(ray, test);
      return finish(ops.rayBrick(ptr, DTYPE_CODE[dtype], dims[0], dims[1], dims[2], ...a, out));
    },
    octree(nodes, root, dtype, ray, test) {
      const a = rayArgs(ray, test);
      return finish(ops.rayOctree(nodes, root, DTYPE_CODE[dtype], ...a, scratch, out));
    },
  };
}
