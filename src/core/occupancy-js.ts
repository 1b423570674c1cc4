/**
 * Empty-space skipping at a finer grain than bricks: the maximum value of
 * each MACRO³ block of level-0 voxels, taken from whichever brick draws it.
 * The ray marcher jumps over blocks whose maximum the transfer function
 * cannot show. A one-voxel margin covers trilinear interpolation.
 *
 * JS twin of assembly/gpu.ts blockMax: NaN and values ≤ EMPTY are left out,
 * a block with none holds EMPTY, and −0 is reported as +0 (so the maxima do
 * not depend on the order voxels are visited in).
 */
import type { TypedArray, Vec3 } from "../shared/types";

export const MACRO = 8;
export const EMPTY = -1e30;

export interface BlockMax {
  /** Macro blocks per axis covered by the brick. */
  n: Vec3;
  max: Float32Array;
}

/** Macro blocks per axis that a brick of `dims` voxels at `level` covers. */
export function blockCounts(dims: Vec3, level: number): Vec3 {
  const s = 2 ** level;
  return dims.map((d) => Math.ceil((d * s) / MACRO)) as Vec3;
}

/** Block maxima of one brick (raw units). `dims` is the brick's clipped size at its level. */
export function brickBlockMax(data: TypedArray, dims: Vec3, level: number): BlockMax {
  const s = 2 ** level;
  const n = blockCounts(dims, level);
  const max = new Float32Array(n[0] * n[1] * n[2]).fill(EMPTY);
  const [dx, dy] = dims;
  const range = (m: number, axis: number): [number, number] => [
    Math.max(0, Math.floor((m * MACRO) / s) - 1),
    Math.min(dims[axis], Math.ceil(((m + 1) * MACRO) / s) + 1),
  ];
  for (let mz = 0; mz < n[2]; mz++) {
    const [z0, z1] = range(mz, 2);
    for (let my = 0; my < n[1]; my++) {
      const [y0, y1] = range(my, 1);
      for (let mx = 0; mx < n[0]; mx++) {
        const [x0, x1] = range(mx, 0);
        let m = EMPTY;
        for (let z = z0; z < z1; z++)
          for (let y = y0; y < y1; y++) {
            const row = dx * (y + dy * z);
            for (let x = x0; x < x1; x++) {
              const v = data[row + x];
              if (v > m) m = v;
            }
          }
        max[mx + n[0] * (my + n[1] * mz)] = m + 0;
      }
    }
  }
  return { n, max };
}
