/**
 * The brick octree implied by the level pyramid: node (level, bx, by, bz) has
 * children (level-1, 2b + {0,1}) that exist within that level's brick grid.
 * Bounds are in level-0 voxel units, clipped to the grid.
 */
import type { LevelGeometry } from "../format/grid";
import type { Vec3 } from "../shared/types";

export interface OctNode {
  level: number;
  brick: Vec3;
}

export interface OctreeShape {
  dims: Vec3;
  brickSize: number;
  levels: LevelGeometry[];
}

export function nodeKey(level: number, b: Vec3): string {
  return `${level}/${b[0]},${b[1]},${b[2]}`;
}

export function topLevel(shape: OctreeShape): number {
  return shape.levels.length - 1;
}

/** All bricks of the coarsest level (normally exactly one). */
export function roots(shape: OctreeShape): OctNode[] {
  const L = topLevel(shape);
  const [bx, by, bz] = shape.levels[L].bricks;
  const out: OctNode[] = [];
  for (let z = 0; z < bz; z++)
    for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) out.push({ level: L, brick: [x, y, z] });
  return out;
}

export function children(shape: OctreeShape, n: OctNode): OctNode[] {
  if (n.level === 0) return [];
  const L = n.level - 1;
  const g = shape.levels[L].bricks;
  const out: OctNode[] = [];
  for (let dz = 0; dz < 2; dz++)
    for (let dy = 0; dy < 2; dy++)
      for (let dx = 0; dx < 2; dx++) {
        const b: Vec3 = [n.brick[0] * 2 + dx, n.brick[1] * 2 + dy, n.brick[2] * 2 + dz];
        if (b[0] < g[0] && b[1] < g[1] && b[2] < g[2]) out.push({ level: L, brick: b });
      }
  return out;
}

export function parent(n: OctNode): OctNode {
  return { level: n.level + 1, brick: [n.brick[0] >> 1, n.brick[1] >> 1, n.brick[2] >> 1] };
}

/** Node extent in level-0 voxel units: [min, max), clipped to the grid. */
export function nodeBounds(shape: OctreeShape, n: OctNode): { min: Vec3; max: Vec3 } {
  const s = shape.brickSize * 2 ** n.level;
  const min = [0, 1, 2].map((i) => Math.min(n.brick[i] * s, shape.dims[i])) as Vec3;
  const max = [0, 1, 2].map((i) => Math.min((n.brick[i] + 1) * s, shape.dims[i])) as Vec3;
  return { min, max };
}

/** Voxel dims of the brick's stored data (bricks at the grid edge are clipped). */
export function brickDims(shape: OctreeShape, n: OctNode): Vec3 {
  const d = shape.levels[n.level].dims;
  const B = shape.brickSize;
  return [0, 1, 2].map((i) => Math.max(0, Math.min(B, d[i] - n.brick[i] * B))) as Vec3;
}
