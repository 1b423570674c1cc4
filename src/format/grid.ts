/**
 * Level and brick geometry shared by writer and reader. Level 0 is full
 * resolution, level k has ceil(dims_{k-1} / 2) voxels per axis, and the last
 * level is the first whose dims all fit in one brick. Edge bricks are clipped
 * to the grid (never padded), so a brick holds exactly its voxels.
 */
import type { Vec3 } from "../shared/types";

export interface LevelGeometry {
  level: number;
  dims: Vec3;
  /** Brick counts per axis. */
  bricks: Vec3;
}

export function levelGeometry(dims: Vec3, brickSize: number): LevelGeometry[] {
  const out: LevelGeometry[] = [];
  let d: Vec3 = [dims[0], dims[1], dims[2]];
  for (let level = 0; ; level++) {
    const bricks: Vec3 = [
      Math.ceil(d[0] / brickSize),
      Math.ceil(d[1] / brickSize),
      Math.ceil(d[2] / brickSize),
    ];
    out.push({ level, dims: d, bricks });
    if (bricks[0] === 1 && bricks[1] === 1 && bricks[2] === 1) return out;
    d = [Math.ceil(d[0] / 2), Math.ceil(d[1] / 2), Math.ceil(d[2] / 2)];
  }
}

/** Voxel extent of brick `b` of a level: origin and clipped size. */
export function brickBox(levelDims: Vec3, brickSize: number, b: Vec3): { min: Vec3; size: Vec3 } {
  const min: Vec3 = [b[0] * brickSize, b[1] * brickSize, b[2] * brickSize];
  const size: Vec3 = [
    Math.min(brickSize, levelDims[0] - min[0]),
    Math.min(brickSize, levelDims[1] - min[1]),
    Math.min(brickSize, levelDims[2] - min[2]),
  ];
  return { min, size };
}

/** Interleave the low 21 bits of x, y, z (x lowest). Exact in float64 arithmetic up to 2^53. */
export function mortonEncode(x: number, y: number, z: number): number {
  let code = 0;
  let scale = 1;
  for (let bit = 0; bit < 17 && (x | y | z) !== 0; bit++) {
    code += ((x & 1) + 2 * (y & 1) + 4 * (z & 1)) * scale;
    scale *= 8;
    x >>>= 1;
    y >>>= 1;
    z >>>= 1;
  }
  return code;
}

/** All bricks of a level in Morton order; this is the order bricks are written and pages list nodes. */
export function mortonOrder(bricks: Vec3): Vec3[] {
  const list: { code: number; b: Vec3 }[] = [];
  for (let z = 0; z < bricks[2]; z++)
    for (let y = 0; y < bricks[1]; y++)
      for (let x = 0; x < bricks[0]; x++) list.push({ code: mortonEncode(x, y, z), b: [x, y, z] });
  list.sort((a, b) => a.code - b.code);
  return list.map((e) => e.b);
}
