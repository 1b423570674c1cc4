/**
 * Octree LOD selection: nearest-first screen-space-error refinement
 * (sse = geometricError · viewportHeight / (2 · distance · tan(fovy / 2)),
 * refine above `threshold` px) with frustum culling, under byte and voxel
 * budgets. A refined node is replaced by its visible children. Returns the
 * cut, what to draw now (resident nodes, else their nearest resident
 * ancestor) and what to fetch (selected nodes not resident and not uniform).
 */
import type { Vec3 } from "../shared/types";
import type { Core, CoreOptions, Implementation } from "./core";
import { N_FLAGS, N_PARENT, NODE_WORDS, RESIDENT, UNIFORM } from "./layout";
import { resolveCore } from "./resolve-core";

export interface LodCamera {
  /** Eye position in world units. */
  eye: Vec3;
  /** Six planes (a, b, c, d), inside when a·x + b·y + c·z + d >= 0, world units. */
  planes: ArrayLike<number>;
  viewportHeight: number;
  /** Vertical field of view in radians. */
  fovy: number;
  /** Refine above this many pixels (default 16). */
  threshold?: number;
}

export interface LodBudget {
  bytes: number;
  voxels?: number;
}

export interface LodGrid {
  origin: Vec3;
  spacing: Vec3;
}

export interface LodSelection {
  /** The selected cut, nearest first. */
  selected: Int32Array;
  draw: number[];
  fetch: number[];
  bytes: number;
  voxels: number;
  visited: number;
}

export interface LodKernels {
  implementation: Implementation;
  core: Core;
  select(
    nodes: number,
    nodeCount: number,
    root: number,
    camera: LodCamera,
    budget: LodBudget,
    grid: LodGrid,
  ): LodSelection;
}

export async function createLodSelector(core?: Core | CoreOptions): Promise<LodKernels> {
  const c = await resolveCore(core);
  const { memory, ops } = c;
  const params = memory.alloc(40 * 8);
  return {
    implementation: c.implementation,
    core: c,
    select(nodes, nodeCount, root, camera, budget, grid) {
      const m = memory.mark();
      const heap = memory.alloc(16 * nodeCount);
      const out = memory.alloc(4 * nodeCount);
      const v = memory.views();
      const p = v.f64.subarray(params >> 3, (params >> 3) + 40);
      p.set(camera.eye, 0);
      for (let i = 0; i < 24; i++) p[3 + i] = camera.planes[i];
      p[27] = camera.viewportHeight / (2 * Math.tan(camera.fovy / 2));
      p[28] = camera.threshold ?? 16;
      p[29] = budget.bytes;
      p[30] = budget.voxels ?? Infinity;
      p.set(grid.origin, 31);
      p.set(grid.spacing, 34);
      const n = ops.selectLod(nodes, root, params, heap, out);
      const w = memory.views();
      const selected = w.i32.slice(out >> 2, (out >> 2) + n);
      const pp = w.f64.subarray(params >> 3, (params >> 3) + 40);
      const result: LodSelection = {
        selected,
        draw: [],
        fetch: [],
        bytes: pp[37],
        voxels: pp[38],
        visited: pp[39],
      };
      memory.release(m);
      const i32 = w.i32;
      const base = nodes >> 2;
      const drawn = new Set<number>();
      for (const node of selected) {
        const flags = i32[base + node * NODE_WORDS + N_FLAGS];
        if (flags & (RESIDENT | UNIFORM)) drawn.add(node);
        else {
          result.fetch.push(node);
          let a = i32[base + node * NODE_WORDS + N_PARENT];
          while (a >= 0 && !(i32[base + a * NODE_WORDS + N_FLAGS] & (RESIDENT | UNIFORM)))
            a = i32[base + a * NODE_WORDS + N_PARENT];
          if (a >= 0) drawn.add(a);
        }
      }
      result.draw = [...drawn];
      return result;
    },
  };
}
