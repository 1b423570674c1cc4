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
 *   7     i32   flags: HAS_CHILDREN | UNIFORM | RESIDENT
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
 * Children cover disjoint boxes; space a node has but no child covers is empty.
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
