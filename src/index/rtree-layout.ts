/** Byte layout of the packed Hilbert R-tree (see docs/FORMAT.md §14.4). */
export const RTREE_MAGIC = 0x52585646; // "FVXR" little-endian
export const RTREE_VERSION = 1;
export const RTREE_NODE_HEADER = 8; // u32 crc, u16 count, u16 height above the bottom level
export const RTREE_ITEM = 48; // 6 × f32 box, 2 × f64 time, u32 run start / 8, u32 run end / 8

export interface RTreeHeader {
  nodeCapacity: number;
  /** Feature records indexed. */
  itemCount: number;
  /** Records per bottom-level item (a "group": consecutive records in packing order). */
  groupSize: number;
  /** Top-down: level 0 is the root; the last level's items are record groups. */
  levels: { nodeCount: number; offset: number }[];
  /** Overall extent: box min/max and time range. */
  extent: { min: number[]; max: number[]; t0: number; t1: number };
  headerLength: number;
  headLength: number;
}

export const rtreeNodeSize = (cap: number): number => RTREE_NODE_HEADER + cap * RTREE_ITEM;

/** Records covered by one item of `level` (the last level: groupSize). */
export function recordsPerItem(h: RTreeHeader, level: number): number {
  return h.groupSize * h.nodeCapacity ** (h.levels.length - 1 - level);
}

/** Packing-order index of the first record under item `g` of `level`, and how many records it covers. */
export function itemRecords(h: RTreeHeader, level: number, g: number): { first: number; count: number } {
  const span = recordsPerItem(h, level);
  const first = g * span;
  return { first, count: Math.max(0, Math.min(h.itemCount, first + span) - first) };
}

/**
 * Records of one subtree, contiguous in the records section: `offset` and
 * `length` in bytes (8-byte aligned; the last record may be followed by up
 * to 7 bytes of padding), `count` records.
 */
export interface RecordRun {
  offset: number;
  length: number;
  count: number;
}

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
