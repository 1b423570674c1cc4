/** Byte layout of the packed Hilbert R-tree (see docs/FORMAT.md §14.4). */
export const RTREE_MAGIC = 0x52585646; // "FVXR" little-endian
export const RTREE_VERSION = 1;
export const RTREE_NODE_HEADER = 8; // u32 crc, u16 count, u16 height above leaves
export const RTREE_ITEM = 48; // 6 × f32 box, 2 × f64 time, u32 a, u32 b

export interface RTreeHeader {
  nodeCapacity: number;
  itemCount: number;
  /** Top-down: level 0 is the root. */
  levels: { nodeCount: number; offset: number }[];
  /** Overall extent: box min/max and time range. */
  extent: { min: number[]; max: number[]; t0: number; t1: number };
  /** True when every stored box coordinate is exact in f32 (leaf tests are then exact). */
  exactBoxes: boolean;
  headerLength: number;
  headLength: number;
}

export const rtreeNodeSize = (cap: number): number => RTREE_NODE_HEADER + cap * RTREE_ITEM;

/** Query box (half-open) and closed time interval. */
export interface SpaceTimeQuery {
  box?: { min: number[]; max: number[] };
  time?: [number, number];
}

/**
 * Box predicate shared by the index and the post-filter: half-open overlap
 * per axis; an axis where the feature has zero extent counts as the point
 * min, inside when q.min ≤ min < q.max.
 */
export function boxIntersects(
  fmin: ArrayLike<number>,
  fmax: ArrayLike<number>,
  qmin: ArrayLike<number>,
  qmax: ArrayLike<number>,
): boolean {
  for (let k = 0; k < 3; k++) {
    if (fmax[k] === fmin[k]) {
      if (!(qmin[k] <= fmin[k] && fmin[k] < qmax[k])) return false;
    } else if (!(fmin[k] < qmax[k] && qmin[k] < fmax[k])) return false;
  }
  return true;
}

/** Closed intervals: touching endpoints overlap. */
export function timeIntersects(t0: number, t1: number, q: [number, number]): boolean {
  return t0 <= q[1] && q[0] <= t1;
}
