/**
 * Builds the octree node array (layout.ts) in core memory from bricks given
 * per level: a callback returns a brick's values (or one number when the
 * caller knows it is uniform). Bricks whose values are all equal become
 * uniform nodes with no bytes and no children. Root is node 0; children are
 * contiguous (breadth first). A fixture for the ray and LOD kernel tests and
 * benchmarks; production trees come from src/core/node-tree.ts.
 */

import type { CoreMemory } from "../../src/core/core-memory";
import { downsampleMean, halfDims } from "../../src/core/filters";
import {
  allocNodes,
  brickCellStats,
  CELL_SIZE,
  CELLS,
  cellTableOffset,
  HAS_CHILDREN,
  type OctreeNode,
  RESIDENT,
  UNIFORM,
  writeNode,
} from "../../src/core/layout";
import type { DType, TypedArray, Vec3 } from "../../src/shared/types";
import { bytesPerValue } from "../../src/shared/types";

export interface OctreeSource {
  dims: Vec3;
  brickSize: number;
  dtype: DType;
  /** Values of the brick at `level` covering level-k voxels [origin, origin + size), x fastest. */
  brick(level: number, origin: Vec3, size: Vec3): TypedArray | number;
  /** World edge of a level-0 voxel (geometric error = 2^level × this). Default 1. */
  voxelSize?: number;
}

export interface BuiltOctree {
  nodes: number;
  count: number;
  levels: number;
  /** Node index per level-0 brick (-1 none), x fastest, for the voxel-by-voxel baseline. */
  table: Int32Array;
  bricks: Vec3;
}

export function levelCount(dims: Vec3, brickSize: number): number {
  let levels = 1;
  while (Math.max(...dims) > brickSize * 2 ** (levels - 1)) levels++;
  return levels;
}

export function buildOctree(memory: CoreMemory, src: OctreeSource): BuiltOctree {
  const { dims, brickSize: B, dtype } = src;
  const levels = levelCount(dims, B);
  const list: OctreeNode[] = [];
  const bytes: (TypedArray | undefined)[] = [];
  const bricks: Vec3 = [Math.ceil(dims[0] / B), Math.ceil(dims[1] / B), Math.ceil(dims[2] / B)];
  const geom = src.voxelSize ?? 1;

  const boxOf = (level: number, bi: Vec3): { min: Vec3; max: Vec3; origin: Vec3; size: Vec3 } => {
    const edge = B * 2 ** level;
    const min: Vec3 = [bi[0] * edge, bi[1] * edge, bi[2] * edge];
    const max: Vec3 = [
      Math.min(dims[0], min[0] + edge),
      Math.min(dims[1], min[1] + edge),
      Math.min(dims[2], min[2] + edge),
    ];
    const size = [0, 1, 2].map((a) => Math.ceil((max[a] - min[a]) / 2 ** level)) as Vec3;
    const origin = [0, 1, 2].map((a) => min[a] / 2 ** level) as Vec3;
    return { min, max, origin, size };
  };

  // Fills node `index` (already pushed) and its subtree. Node stats bound the
  // full-resolution values below it, so the ray walk may prune on them.
  const fill = (index: number, level: number, bi: Vec3): void => {
    const { min, max, origin, size } = boxOf(level, bi);
    const values = src.brick(level, origin, size);
    const n = list[index];
    n.min = min;
    n.max = max;
    n.level = level;
    n.geometricError = 2 ** level * geom;
    if (typeof values === "number") {
      setUniform(n, values);
      return;
    }
    let vmin = Infinity;
    let vmax = -Infinity;
    let nan = false;
    if (level === 0) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (Number.isNaN(v)) nan = true;
        else {
          if (v < vmin) vmin = v;
          if (v > vmax) vmax = v;
        }
      }
    } else {
      const edge = B * 2 ** (level - 1);
      const first = list.length;
      const kids: Vec3[] = [];
      for (let dz = 0; dz < 2; dz++)
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const c: Vec3 = [bi[0] * 2 + dx, bi[1] * 2 + dy, bi[2] * 2 + dz];
            if (c[0] * edge >= dims[0] || c[1] * edge >= dims[1] || c[2] * edge >= dims[2]) continue;
            kids.push(c);
            list.push(blank(index));
            bytes.push(undefined);
          }
      for (let i = 0; i < kids.length; i++) fill(first + i, level - 1, kids[i]);
      for (let i = 0; i < kids.length; i++) {
        const c = list[first + i];
        if (c.vmin < vmin) vmin = c.vmin;
        if (c.vmax > vmax) vmax = c.vmax;
      }
      const value = list[first].vmin;
      const allUniformSame = kids.every(
        (_, i) => list[first + i].flags & UNIFORM && Object.is(list[first + i].vmin, value),
      );
      if (allUniformSame) {
        list.length = first;
        bytes.length = first;
        setUniform(n, value);
        return;
      }
      n.firstChild = first;
      n.childCount = kids.length;
    }
    if (level === 0 && ((!nan && vmin === vmax) || (vmin > vmax && values.length > 0))) {
      setUniform(n, vmin > vmax ? Number.NaN : vmin);
      return;
    }
    n.flags = RESIDENT | (n.childCount > 0 ? HAS_CHILDREN : 0);
    n.vmin = vmin > vmax ? Number.NaN : vmin;
    n.vmax = vmin > vmax ? Number.NaN : vmax;
    n.byteSize = values.length * bytesPerValue(dtype);
    bytes[index] = values;
  };

  list.push(blank(-1));
  bytes.push(undefined);
  fill(0, levels - 1, [0, 0, 0]);

  // Level-0 brick table for the voxel-by-voxel baseline: a brick below a
  // uniform ancestor gets a uniform record of its own (not linked in the tree).
  const table = new Int32Array(bricks[0] * bricks[1] * bricks[2]).fill(-1);
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if (n.level === 0) table[n.min[0] / B + bricks[0] * (n.min[1] / B + bricks[1] * (n.min[2] / B))] = i;
  }
  for (let z = 0; z < bricks[2]; z++)
    for (let y = 0; y < bricks[1]; y++)
      for (let x = 0; x < bricks[0]; x++) {
        const ti = x + bricks[0] * (y + bricks[1] * z);
        if (table[ti] >= 0) continue;
        const p = [x * B, y * B, z * B];
        let a = 0;
        while (list[a].childCount > 0) {
          const next = list
            .slice(list[a].firstChild, list[a].firstChild + list[a].childCount)
            .findIndex((n) => [0, 1, 2].every((k) => p[k] >= n.min[k] && p[k] < n.max[k]));
          if (next < 0) break;
          a = list[a].firstChild + next;
        }
        const { min, max } = boxOf(0, [x, y, z]);
        const u = blank(a);
        u.min = min;
        u.max = max;
        u.geometricError = geom;
        setUniform(u, list[a].vmin);
        list.push(u);
        bytes.push(undefined);
        table[ti] = list.length - 1;
      }

  const nodes = allocNodes(memory, list.length);
  for (let i = 0; i < list.length; i++) {
    const b = bytes[i];
    if (!b) continue;
    const n = list[i];
    const size = [0, 1, 2].map((a) => Math.ceil((n.max[a] - n.min[a]) / 2 ** n.level)) as Vec3;
    if (Math.max(...size) <= CELL_SIZE) {
      n.dataPtr = memory.copyIn(b);
      continue;
    }
    // Bricks larger than one cell carry per-cell min/max for the ray walk.
    const cells = brickCellStats(b, size);
    const off = cellTableOffset(b.length, bytesPerValue(dtype));
    n.dataPtr = memory.alloc(off + cells.byteLength);
    const v = memory.views();
    v.u8.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), n.dataPtr);
    v.f32.set(cells, (n.dataPtr + off) >> 2);
    n.flags |= CELLS;
  }
  const v = memory.views();
  const i32 = v.i32.subarray(nodes.ptr >> 2);
  const f32 = v.f32.subarray(nodes.ptr >> 2);
  for (let i = 0; i < list.length; i++) writeNode(i32, f32, i, list[i]);
  return { nodes: nodes.ptr, count: list.length, levels, table, bricks };
}

function blank(parent: number): OctreeNode {
  return {
    min: [0, 0, 0],
    max: [0, 0, 0],
    level: 0,
    flags: 0,
    firstChild: -1,
    childCount: 0,
    parent,
    dataPtr: -1,
    byteSize: 0,
    vmin: Number.NaN,
    vmax: Number.NaN,
    geometricError: 1,
  };
}

function setUniform(n: OctreeNode, value: number): void {
  n.flags = UNIFORM;
  n.vmin = value;
  n.vmax = value;
  n.byteSize = 0;
  n.firstChild = -1;
  n.childCount = 0;
}

/** OctreeSource over a dense level-0 grid, with exact mean (or mode) pyramids from filters.ts. */
export function denseSource(data: TypedArray, dims: Vec3, dtype: DType, brickSize: number): OctreeSource {
  const pyramid: { data: TypedArray; dims: Vec3 }[] = [{ data, dims }];
  const levels = levelCount(dims, brickSize);
  while (pyramid.length < levels) {
    const top = pyramid[pyramid.length - 1];
    pyramid.push({ data: downsampleMean(top.data, top.dims, dtype), dims: halfDims(top.dims) });
  }
  return {
    dims,
    brickSize,
    dtype,
    brick(level, origin, size) {
      const { data: d, dims: ld } = pyramid[level];
      const out = new (d.constructor as new (n: number) => TypedArray)(size[0] * size[1] * size[2]);
      for (let z = 0; z < size[2]; z++)
        for (let y = 0; y < size[1]; y++)
          for (let x = 0; x < size[0]; x++)
            out[x + size[0] * (y + size[1] * z)] =
              d[origin[0] + x + ld[0] * (origin[1] + y + ld[1] * (origin[2] + z))];
      return out;
    },
  };
}
