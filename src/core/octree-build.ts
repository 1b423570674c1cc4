/**
 * Builds the octree node array (layout.ts) in core memory from bricks given
 * per level: a callback returns a brick's values (or one number when the
 * caller knows it is uniform). Bricks whose values are all equal become
 * uniform nodes with no bytes and no children. Root is node 0; children are
 * contiguous (breadth first). Used for in-memory datasets, tests, benchmarks.
 */
import type { DType, TypedArray, Vec3 } from "../shared/types";
import { bytesPerValue } from "../shared/types";
import type { CoreMemory } from "./core-memory";
import { downsampleMean, halfDims } from "./filters";
import { allocNodes, HAS_CHILDREN, type OctreeNode, RESIDENT, UNIFORM, writeNode } from "./layout";

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
  const table = new Int32Array(bricks[0] * bricks[1] * bricks[2]).fill(-1);

  const make = (level: number, bi: Vec3, parent: number): number => {
    const edge = B * 2 ** level;
    const min: Vec3 = [bi[0] * edge, bi[1] * edge, bi[2] * edge];
    const max: Vec3 = [Math.min(dims[0], min[0] + edge), Math.min(dims[1], min[1] + edge), Math.min(dims[2], min[2] + edge)];
    const size: Vec3 = [0, 1, 2].map((a) => Math.ceil((max[a] - min[a]) / 2 ** level)) as Vec3;
    const origin: Vec3 = [0, 1, 2].map((a) => min[a] / 2 ** level) as Vec3;
    const values = src.brick(level, origin, size);
    let vmin = Infinity;
    let vmax = -Infinity;
    let uniform = typeof values === "number";
    if (typeof values === "number") vmin = vmax = values;
    else {
      let nan = false;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== v) nan = true;
        else {
          if (v < vmin) vmin = v;
          if (v > vmax) vmax = v;
        }
      }
      if (!nan && vmin === vmax) uniform = true;
      if (nan && vmin > vmax) {
        vmin = vmax = Number.NaN;
        uniform = values.length > 0 && values.every((v) => v !== v);
      }
    }
    const index = list.length;
    list.push({
      min,
      max,
      level,
      flags: uniform ? UNIFORM : RESIDENT,
      firstChild: -1,
      childCount: 0,
      parent,
      dataPtr: -1,
      byteSize: uniform ? 0 : (values as TypedArray).length * bytesPerValue(dtype),
      vmin,
      vmax,
      geometricError: 2 ** level * (src.voxelSize ?? 1),
    });
    bytes.push(uniform ? undefined : (values as TypedArray));
    if (level === 0) table[bi[0] + bricks[0] * (bi[1] + bricks[1] * bi[2])] = index;
    return index;
  };

  make(levels - 1, [0, 0, 0], -1);
  for (let q = 0; q < list.length; q++) {
    const n = list[q];
    if (n.level === 0) continue;
    // Uniform nodes keep no children, except where the baseline table still needs level-0 entries.
    const childLevel = n.level - 1;
    const edge = B * 2 ** childLevel;
    const first = list.length;
    for (let dz = 0; dz < 2; dz++)
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const bi: Vec3 = [n.min[0] / edge + dx, n.min[1] / edge + dy, n.min[2] / edge + dz];
          if (bi[0] * edge >= dims[0] || bi[1] * edge >= dims[1] || bi[2] * edge >= dims[2]) continue;
          if (n.flags & UNIFORM && childLevel > 0) continue;
          make(childLevel, bi, q);
        }
    if (n.flags & UNIFORM) {
      // Level-0 children of a uniform node exist only for the table; the octree does not link them.
      continue;
    }
    n.firstChild = first;
    n.childCount = list.length - first;
    if (n.childCount > 0) n.flags |= HAS_CHILDREN;
  }
  // Level-0 bricks under uniform ancestors were not reached: give the table uniform entries.
  fillUniformTable(list, table, bricks, B, dims, src);

  const nodes = allocNodes(memory, list.length);
  for (let i = 0; i < list.length; i++) {
    const b = bytes[i];
    if (b) {
      const p = memory.copyIn(b);
      list[i].dataPtr = p;
    }
  }
  const v = memory.views();
  const i32 = v.i32.subarray(nodes.ptr >> 2);
  const f32 = v.f32.subarray(nodes.ptr >> 2);
  for (let i = 0; i < list.length; i++) writeNode(i32, f32, i, list[i]);
  return { nodes: nodes.ptr, count: list.length, levels, table, bricks };

  function fillUniformTable(l: OctreeNode[], t: Int32Array, bk: Vec3, b: number, d: Vec3, s: OctreeSource): void {
    for (let z = 0; z < bk[2]; z++)
      for (let y = 0; y < bk[1]; y++)
        for (let x = 0; x < bk[0]; x++) {
          const ti = x + bk[0] * (y + bk[1] * z);
          if (t[ti] >= 0) continue;
          // The nearest uniform ancestor answers for the whole brick.
          const p = [x * b, y * b, z * b];
          let a = 0;
          while (!(l[a].flags & UNIFORM) && l[a].childCount > 0) {
            const c = l.slice(l[a].firstChild, l[a].firstChild + l[a].childCount).findIndex((n) =>
              [0, 1, 2].every((k) => p[k] >= n.min[k] && p[k] < n.max[k]),
            );
            if (c < 0) break;
            a = l[a].firstChild + c;
          }
          const u = l[a];
          l.push({
            ...u,
            min: [p[0], p[1], p[2]],
            max: [Math.min(d[0], p[0] + b), Math.min(d[1], p[1] + b), Math.min(d[2], p[2] + b)],
            level: 0,
            flags: UNIFORM,
            firstChild: -1,
            childCount: 0,
            parent: a,
            geometricError: s.voxelSize ?? 1,
          });
          bytes.push(undefined);
          t[ti] = l.length - 1;
        }
  }
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
            out[x + size[0] * (y + size[1] * z)] = d[origin[0] + x + ld[0] * (origin[1] + y + ld[1] * (origin[2] + z))];
      return out;
    },
  };
}
