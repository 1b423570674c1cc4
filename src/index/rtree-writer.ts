/**
 * Packed Hilbert R-tree over feature boxes with time (FlatGeobuf's structure
 * in 3D + time): items in packing order (x,y columns along a 2D Hilbert curve
 * by default); full nodes of `nodeCapacity` items; levels written top-down so
 * the first read gets the root and upper levels. The bottom level indexes
 * groups of records rather than single records: records are stored in the same
 * order, so a group is one contiguous byte run and no per-record level is
 * needed (a query reads the records of matching groups in coalesced runs).
 */
import { ByteWriter } from "./bytes";
import { checksum } from "./checksum";
import { hilbert2, hilbert3 } from "./hilbert";
import { RTREE_ITEM, RTREE_MAGIC, RTREE_NODE_HEADER, RTREE_VERSION, rtreeNodeSize } from "./rtree-layout";

export interface RTreeItem {
  min: number[];
  max: number[];
  t0: number;
  t1: number;
}

export interface RTreeBuildOptions {
  nodeCapacity?: number;
  /**
   * Packing order: "columns" (default) — 2D Hilbert of the x,y centre, cut into
   * columns of `columnItems` items, each column by z then start time;
   * "hilbert3" — 3D Hilbert of the box centre, then start time.
   */
  order?: "columns" | "hilbert3";
  /** Items per column in "columns" order. Default nodeCapacity² (one subtree). */
  columnItems?: number;
  /** Bytes of header + top levels a reader fetches first. Default 256 KiB: below that, bytes are cheaper than one more round trip (the gap FlatGeobuf merges under). */
  headBudget?: number;
}

/** Packing order of items (see RTreeBuildOptions.order). */
export function packingOrder(items: RTreeItem[], opts: RTreeBuildOptions = {}): number[] {
  return (opts.order ?? "columns") === "columns"
    ? columnOrder(items, opts.columnItems ?? (opts.nodeCapacity ?? 16) ** 2)
    : hilbertOrder(items);
}

/**
 * Columns: items along a fine 2D Hilbert curve of their x,y centres, cut into
 * columns of `perColumn` consecutive items, each column sorted by centre z
 * then start time. With `perColumn` = nodeCapacity², every column is exactly
 * one subtree two levels above the records, so its R-tree item bounds a
 * compact x,y area and its children are z-slabs of it. A query box that spans
 * z (a map region) reads a few whole columns, which lie next to each other in
 * the file; a small 3D box reads a short z-run of each column it touches.
 */
export function columnOrder(items: RTreeItem[], perColumn: number): number[] {
  const n = items.length;
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  const cz = new Float64Array(n);
  items.forEach((it, i) => {
    for (let k = 0; k < 2; k++) {
      const c = (it.min[k] + it.max[k]) / 2;
      if (c < lo[k]) lo[k] = c;
      if (c > hi[k]) hi[k] = c;
    }
    cz[i] = (it.min[2] + it.max[2]) / 2;
  });
  const side = 1 << 16;
  const codes = new Float64Array(n);
  items.forEach((it, i) => {
    const q = (k: number) => {
      const span = hi[k] - lo[k];
      const c = (it.min[k] + it.max[k]) / 2;
      return span > 0 ? Math.min(side - 1, Math.floor(((c - lo[k]) / span) * side)) : 0;
    };
    codes[i] = hilbert2(q(0), q(1), 16);
  });
  const order = items.map((_, i) => i);
  order.sort((a, b) => codes[a] - codes[b] || a - b);
  const per = Math.max(1, Math.floor(perColumn));
  for (let s = 0; s < n; s += per) {
    const col = order.slice(s, s + per);
    col.sort((a, b) => cz[a] - cz[b] || items[a].t0 - items[b].t0 || a - b);
    for (let k = 0; k < col.length; k++) order[s + k] = col[k];
  }
  return order;
}

/** 3D Hilbert of the box centre (10 bits per axis), then start time. */
export function hilbertOrder(items: RTreeItem[]): number[] {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const it of items) {
    for (let k = 0; k < 3; k++) {
      const c = (it.min[k] + it.max[k]) / 2;
      if (c < lo[k]) lo[k] = c;
      if (c > hi[k]) hi[k] = c;
    }
  }
  const codes = new Float64Array(items.length);
  items.forEach((it, i) => {
    const q = (k: number) => {
      const span = hi[k] - lo[k];
      const c = (it.min[k] + it.max[k]) / 2;
      return span > 0 ? Math.min(1023, Math.floor(((c - lo[k]) / span) * 1024)) : 0;
    };
    codes[i] = hilbert3(q(0), q(1), q(2), 10);
  });
  const order = items.map((_, i) => i);
  order.sort((a, b) => codes[a] - codes[b] || items[a].t0 - items[b].t0 || a - b);
  return order;
}

const down = (v: number): number => {
  const f = Math.fround(v);
  return f > v ? nextDown32(f) : f;
};
const up = (v: number): number => {
  const f = Math.fround(v);
  return f < v ? nextUp32(f) : f;
};
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function nextUp32(f: number): number {
  if (f === Infinity || Number.isNaN(f)) return f;
  if (f === 0) return 1.401298464324817e-45;
  f32[0] = f;
  u32[0] += f > 0 ? 1 : -1;
  return f32[0];
}
function nextDown32(f: number): number {
  return -nextUp32(-f);
}

/**
 * `items` must already be in packing order, and their records stored in the
 * same order, one after another (`refs`: record offset / 8 and length, as
 * written by writeFeatureRecord). The bottom level's items are groups of
 * `nodeCapacity` consecutive records; every item carries its subtree's box,
 * time range and record run, so a reader can stop at any level and read the
 * records directly.
 */
/** Space-time extent: bounding box and time range of every item (empty: ±Infinity). */
export function extentOf(items: Iterable<{ min: number[]; max: number[]; t0: number; t1: number }>) {
  const ext = {
    min: [Infinity, Infinity, Infinity],
    max: [-Infinity, -Infinity, -Infinity],
    t0: Infinity,
    t1: -Infinity,
  };
  for (const it of items) {
    for (let k = 0; k < 3; k++) {
      ext.min[k] = Math.min(ext.min[k], it.min[k]);
      ext.max[k] = Math.max(ext.max[k], it.max[k]);
    }
    ext.t0 = Math.min(ext.t0, it.t0);
    ext.t1 = Math.max(ext.t1, it.t1);
  }
  return ext;
}

export function buildRTree(
  items: RTreeItem[],
  refA: Uint32Array,
  refB: Uint32Array,
  opts: RTreeBuildOptions = {},
): Uint8Array {
  const cap = opts.nodeCapacity ?? 16;
  if (cap < 2 || cap > 65535) throw new Error("nodeCapacity must be in 2..65535");
  const group = cap;
  const n = items.length;
  if (refA.length !== n || refB.length !== n) throw new Error("one record reference per item");
  const recordEnd = (i: number) => Math.ceil((refA[i] * 8 + refB[i]) / 8);
  for (let i = 1; i < n; i++) {
    if (refA[i] !== recordEnd(i - 1))
      throw new Error(`record ${i} does not follow record ${i - 1}: records must be stored in packing order`);
  }
  const groups = Math.ceil(n / group);
  const counts = [Math.max(1, Math.ceil(groups / cap))];
  while (counts[0] > 1) counts.unshift(Math.ceil(counts[0] / cap));
  const L = counts.length;
  const size = rtreeNodeSize(cap);
  const ext = extentOf(items);
  const writeHeader = (offsets: number[], headerLength: number, headLength: number): Uint8Array => {
    const h = new ByteWriter(256);
    h.u32(RTREE_MAGIC);
    h.u16(RTREE_VERSION);
    h.u16(cap);
    h.u64(n);
    h.u16(L);
    h.u16(group);
    for (let l = 0; l < L; l++) {
      h.u32(counts[l]);
      h.u64(offsets[l] ?? 0);
    }
    for (const v of [...ext.min, ...ext.max, ext.t0, ext.t1]) h.f64(v);
    h.u32(headerLength);
    h.u32(headLength);
    h.u32(checksum(h.peek()));
    return h.finish();
  };
  const headerLength = writeHeader([], 0, 0).length;
  const offsets: number[] = [];
  let pos = headerLength;
  const budget = opts.headBudget ?? 262144;
  let head = 0;
  for (let l = 0; l < L; l++) {
    offsets.push(pos);
    pos += counts[l] * size;
    // The head always holds the root; further levels while within the budget.
    if (l === 0 || (head === offsets[l] && pos <= budget)) head = pos;
  }
  const out = new Uint8Array(pos);
  out.set(writeHeader(offsets, headerLength, head), 0);
  const dv = new DataView(out.buffer);

  // Slots of the bottom level: record groups (bounds, run start / 8, run end / 8).
  let boxes = new Float64Array(groups * 8);
  let runs = new Float64Array(groups * 2);
  for (let g = 0; g < groups; g++) {
    const agg = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity, Infinity, -Infinity];
    const last = Math.min(n, (g + 1) * group) - 1;
    for (let i = g * group; i <= last; i++) {
      const it = items[i];
      for (let k = 0; k < 3; k++) {
        agg[k] = Math.min(agg[k], it.min[k]);
        agg[3 + k] = Math.max(agg[3 + k], it.max[k]);
      }
      agg[6] = Math.min(agg[6], it.t0);
      agg[7] = Math.max(agg[7], it.t1);
    }
    boxes.set(agg, g * 8);
    runs[g * 2] = refA[g * group];
    runs[g * 2 + 1] = recordEnd(last);
  }
  for (let l = L - 1; l >= 0; l--) {
    const slots = runs.length / 2;
    const nextBoxes = new Float64Array(counts[l] * 8);
    const nextRuns = new Float64Array(counts[l] * 2);
    for (let j = 0; j < counts[l]; j++) {
      const at = offsets[l] + j * size;
      const m = Math.max(0, Math.min(cap, slots - j * cap));
      dv.setUint16(at + 4, m, true);
      dv.setUint16(at + 6, L - 1 - l, true);
      const agg = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity, Infinity, -Infinity];
      for (let e = 0; e < m; e++) {
        const s = j * cap + e;
        const p = at + RTREE_NODE_HEADER + e * RTREE_ITEM;
        for (let k = 0; k < 3; k++) {
          dv.setFloat32(p + 4 * k, down(boxes[s * 8 + k]), true);
          dv.setFloat32(p + 12 + 4 * k, up(boxes[s * 8 + 3 + k]), true);
          agg[k] = Math.min(agg[k], boxes[s * 8 + k]);
          agg[3 + k] = Math.max(agg[3 + k], boxes[s * 8 + 3 + k]);
        }
        dv.setFloat64(p + 24, boxes[s * 8 + 6], true);
        dv.setFloat64(p + 32, boxes[s * 8 + 7], true);
        dv.setUint32(p + 40, runs[s * 2], true);
        dv.setUint32(p + 44, runs[s * 2 + 1], true);
        agg[6] = Math.min(agg[6], boxes[s * 8 + 6]);
        agg[7] = Math.max(agg[7], boxes[s * 8 + 7]);
      }
      dv.setUint32(at, checksum(out, at + 4, at + size), true);
      nextBoxes.set(agg, j * 8);
      if (m > 0) {
        nextRuns[j * 2] = runs[j * cap * 2];
        nextRuns[j * 2 + 1] = runs[(j * cap + m - 1) * 2 + 1];
      }
    }
    boxes = nextBoxes;
    runs = nextRuns;
  }
  return out;
}
