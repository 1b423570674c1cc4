// Octree node record: 16 × 4-byte words (64 bytes), documented with the JS
// side in src/core/layout.ts.
export const NODE_BYTES: usize = 64;
export const N_MIN_X: usize = 0;
export const N_MAX_X: usize = 12;
export const N_LEVEL: usize = 24;
export const N_FLAGS: usize = 28;
export const N_FIRST_CHILD: usize = 32;
export const N_CHILD_COUNT: usize = 36;
export const N_PARENT: usize = 40;
export const N_DATA: usize = 44;
export const N_BYTES: usize = 48;
export const N_VMIN: usize = 52;
export const N_VMAX: usize = 56;
export const N_GEOM_ERROR: usize = 60;

export const HAS_CHILDREN: i32 = 1;
export const UNIFORM: i32 = 2;
export const RESIDENT: i32 = 4;

@inline export function nodeAt(nodes: usize, i: i32): usize {
  return nodes + <usize>i * NODE_BYTES;
}
export const CELLS: i32 = 8;

// Cells of a brick flagged CELLS: CELL_SIZE³-voxel blocks, one (f32 min,
// f32 max) pair each, x fastest, stored right after the brick's values at a
// 4-byte-aligned offset.
export const CELL_SHIFT: i32 = 3;
export const CELL_SIZE: i32 = 1 << CELL_SHIFT;
export const CELL_MASK: i32 = CELL_SIZE - 1;

@inline export function cellTableOffset(voxels: usize, bytesPerValue: usize): usize {
  return (voxels * bytesPerValue + 3) & ~(<usize>3);
}
