/**
 * Memory layouts shared by the WASM core (assembly/) and its JS twins.
 *
 * Octree node record: NODE_WORDS (16) × 4-byte words = 64 bytes, read through
 * an Int32Array and a Float32Array over the same bytes:
 *
 *   word  type  meaning
 *   0–2   i32   box min x, y, z  (level-0 voxels, inclusive)
 *   3–5   i32   box max x, y, z  (level-0 voxels, exclusive)
 *   6     i32   level k (the node's brick has voxels 2^k level-0 voxels wide)
 *   7     i32   flags: HAS_CHILDREN | UNIFORM | RESIDENT | CELLS
 *   8     i32   index of the first child (children are contiguous)
 *   9     i32   child count (0–8)
 *   10    i32   parent index (-1 for the root)
 *   11    i32   byte offset of the brick values in core memory (valid with RESIDENT)
 *   12    i32   bytes to fetch for this brick (0 for uniform / empty)
 *   13    f32   value min (uniform: the value)
 *   14    f32   value max
 *   15    f32   geometric error in world units (voxel edge at this level)
 *
 * A resident brick holds ceil(extent / 2^k) voxels per axis, x fastest.
 * Children are octants of their parent's box (disjoint); space a node has but
 * no child covers is empty.
 *
 * CELLS (optional, resident bricks): right after the values, at a 4-byte
 * aligned offset (cellTableOffset), one (f32 min, f32 max) pair per
 * CELL_SIZE³ block of the brick, x fastest, NaN ignored (NaN, NaN when the
 * block holds only NaN). The ray walk skips blocks that cannot hold a hit.
 */
import type { DType } from "../shared/types";

export const NODE_WORDS = 16;
export const NODE_BYTES = 64;
export const N_MIN = 0;
export const N_MAX = 3;
export const N_LEVEL = 6;
export const N_FLAGS = 7;
export const N_FIRST_CHILD = 8;
export const N_CHILD_COUNT = 9;
export const N_PARENT = 10;
export const N_DATA = 11;
export const N_BYTES = 12;
export const N_VMIN = 13;
export const N_VMAX = 14;
export const N_GEOM_ERROR = 15;

export const HAS_CHILDREN = 1;
export const UNIFORM = 2;
export const RESIDENT = 4;
export const CELLS = 8;

export const CELL_SHIFT = 3;
export const CELL_SIZE = 1 << CELL_SHIFT;

/** Byte offset of a brick's cell table from its values' start. */
export function cellTableOffset(voxels: number, bytesPerValue: number): number {
  return (voxels * bytesPerValue + 3) & ~3;
}

/** Cells per axis of a brick of `dims` voxels. */
export function cellDims(dims: readonly [number, number, number]): [number, number, number] {
  return [
    (dims[0] + CELL_SIZE - 1) >> CELL_SHIFT,
    (dims[1] + CELL_SIZE - 1) >> CELL_SHIFT,
    (dims[2] + CELL_SIZE - 1) >> CELL_SHIFT,
  ];
}

/**
 * Per-cell (min, max) of a brick's values, NaN ignored, as the CELLS table
 * expects: 2 floats per cell, cells x fastest.
 */
export function brickCellStats(
  values: ArrayLike<number>,
  dims: readonly [number, number, number],
): Float32Array {
  const [cx, cy, cz] = cellDims(dims);
  const lo = new Float64Array(cx * cy * cz).fill(Infinity);
  const hi = new Float64Array(cx * cy * cz).fill(-Infinity);
  const [nx, ny, nz] = dims;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const row = nx * (y + ny * z);
      const cRow = cx * ((y >> CELL_SHIFT) + cy * (z >> CELL_SHIFT));
      for (let x = 0; x < nx; x++) {
        const v = values[row + x];
        if (Number.isNaN(v)) continue;
        const c = cRow + (x >> CELL_SHIFT);
        if (v < lo[c]) lo[c] = v;
        if (v > hi[c]) hi[c] = v;
      }
    }
  const out = new Float32Array(2 * lo.length);
  for (let c = 0; c < lo.length; c++) {
    const empty = lo[c] > hi[c];
    out[2 * c] = empty ? Number.NaN : f32Outward(lo[c], -1);
    out[2 * c + 1] = empty ? Number.NaN : f32Outward(hi[c], 1);
  }
  return out;
}

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

/** x as an f32 rounded away from the range (down for a min, up for a max), so bounds stay bounds. */
function f32Outward(x: number, dir: -1 | 1): number {
  f32Bits[0] = x;
  const f = f32Bits[0];
  if (f === x || !Number.isFinite(f)) return f;
  if (f > x === dir > 0) return f;
  // One f32 step further out: magnitude grows when moving away from zero.
  if (f === 0) f32Bits[0] = dir * 2 ** -149;
  else u32Bits[0] += f > 0 === dir > 0 ? 1 : -1;
  return f32Bits[0];
}

/** dtype codes used across the WASM boundary. */
export const DTYPE_CODE: Record<DType, number> = { u8: 0, u16: 1, i16: 2, u32: 3, f32: 4 };

export interface OctreeNode {
  min: [number, number, number];
  max: [number, number, number];
  level: number;
  flags: number;
  firstChild: number;
  childCount: number;
  parent: number;
  dataPtr: number;
  byteSize: number;
  vmin: number;
  vmax: number;
  geometricError: number;
}

/** Write node `index` into an Int32Array / Float32Array pair over the same bytes. */
export function writeNode(i32: Int32Array, f32: Float32Array, index: number, n: OctreeNode): void {
  const o = index * NODE_WORDS;
  i32[o] = n.min[0];
  i32[o + 1] = n.min[1];
  i32[o + 2] = n.min[2];
  i32[o + 3] = n.max[0];
  i32[o + 4] = n.max[1];
  i32[o + 5] = n.max[2];
  i32[o + N_LEVEL] = n.level;
  i32[o + N_FLAGS] = n.flags;
  i32[o + N_FIRST_CHILD] = n.firstChild;
  i32[o + N_CHILD_COUNT] = n.childCount;
  i32[o + N_PARENT] = n.parent;
  i32[o + N_DATA] = n.dataPtr;
  i32[o + N_BYTES] = n.byteSize;
  f32[o + N_VMIN] = n.vmin;
  f32[o + N_VMAX] = n.vmax;
  f32[o + N_GEOM_ERROR] = n.geometricError;
}

/** Read node `index` back (tests, debugging). */
export function readNode(i32: Int32Array, f32: Float32Array, index: number): OctreeNode {
  const o = index * NODE_WORDS;
  return {
    min: [i32[o], i32[o + 1], i32[o + 2]],
    max: [i32[o + 3], i32[o + 4], i32[o + 5]],
    level: i32[o + N_LEVEL],
    flags: i32[o + N_FLAGS],
    firstChild: i32[o + N_FIRST_CHILD],
    childCount: i32[o + N_CHILD_COUNT],
    parent: i32[o + N_PARENT],
    dataPtr: i32[o + N_DATA],
    byteSize: i32[o + N_BYTES],
    vmin: f32[o + N_VMIN],
    vmax: f32[o + N_VMAX],
    geometricError: f32[o + N_GEOM_ERROR],
  };
}

/** Reserve `count` node records in core memory; fill them with writeNode on the returned views. */
export function allocNodes(
  memory: { alloc(bytes: number): number; views(): { i32: Int32Array; f32: Float32Array } },
  count: number,
): { ptr: number; i32: Int32Array; f32: Float32Array } {
  const ptr = memory.alloc(count * NODE_BYTES);
  const v = memory.views();
  const words = count * NODE_WORDS;
  return {
    ptr,
    i32: v.i32.subarray(ptr >> 2, (ptr >> 2) + words),
    f32: v.f32.subarray(ptr >> 2, (ptr >> 2) + words),
  };
}
