/**
 * Packed Hilbert R-tree over feature boxes with time (FlatGeobuf's structure
 * in 3D + time): items sorted by the 3D Hilbert index of the box centre, then
 * by time; full nodes of `nodeCapacity` items; levels written top-down so the
 * first read gets the root and upper levels.
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
   * Packing order: "columns" (default) — 2D Hilbert over x,y tiles holding about
   * `columnItems` items each, then z, then start time; "hilbert3" — 3D Hilbert
   * of the box centre, then start time.
   */
  order?: "columns" | "hilbert3";
  /** Items per x,y tile in "columns" order. Default 256. */
  columnItems?: number;
  /** Bytes of header + top levels a reader fetches first. Default 256 KiB: below that, bytes are cheaper than one more round trip (the gap FlatGeobuf merges under). */
  headBudget?: number;
}

/** Packing order of items (see RTreeBuildOptions.order). */
export function packingOrder(items: RTreeItem[], opts: RTreeBuildOptions = {}): number[] {
  return (opts.order ?? "columns") === "columns"
    ? columnOrder(items, opts.columnItems ?? 256)
    : hilbertOrder(items);
}

/**
 * Columns: x,y tiles along a 2D Hilbert curve, each tile's items by centre z
 * then start time. A query box that spans z (a map region) reads a few tiles
 * whole, which lie next to each other in the file; a small 3D box reads a
 * short z-run from each tile it touches.
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
  let bits = 0;
  while (bits < 16 && 4 ** bits * perColumn < n) bits++;
  const side = 1 << bits;
  const codes = new Float64Array(n);
  items.forEach((it, i) => {
    const q = (k: number) => {
      const span = hi[k] - lo[k];
      const c = (it.min[k] + it.max[k]) / 2;
      return span > 0 ? Math.min(side - 1, Math.floor(((c - lo[k]) / span) * side)) : 0;
    };
    codes[i] = bits > 0 ? hilbert2(q(0), q(1), bits) : 0;
  });
  const order = items.map((_, i) => i);
  order.sort((a, b) => codes[a] - codes[b] || cz[a] - cz[b] || items[a].t0 - items[b].t0 || a - b);
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
 * `items` must already be in packing order; `refs` are the leaf payloads
 * (record offset / 8, record length) in the same order.
 */
export function buildRTree(
  items: RTreeItem[],
  refA: Uint32Array,
  refB: Uint32Array,
  opts: RTreeBuildOptions = {},
): Uint8Array {
  const cap = opts.nodeCapacity ?? 16;
  if (cap < 2 || cap > 65535) throw new Error("nodeCapacity must be in 2..65535");
  const n = items.length;
  const counts = [Math.max(1, Math.ceil(n / cap))];
  while (counts[0] > 1) counts.unshift(Math.ceil(counts[0] / cap));
  const L = counts.length;
  const size = rtreeNodeSize(cap);
  let exact = true;
  const ext = {
    min: [Infinity, Infinity, Infinity],
    max: [-Infinity, -Infinity, -Infinity],
    t0: Infinity,
    t1: -Infinity,
  };
  for (const it of items) {
    for (let k = 0; k < 3; k++) {
      if (Math.fround(it.min[k]) !== it.min[k] || Math.fround(it.max[k]) !== it.max[k]) exact = false;
      ext.min[k] = Math.min(ext.min[k], it.min[k]);
      ext.max[k] = Math.max(ext.max[k], it.max[k]);
    }
    ext.t0 = Math.min(ext.t0, it.t0);
    ext.t1 = Math.max(ext.t1, it.t1);
  }
  const writeHeader = (offsets: number[], headerLength: number, headLength: number): Uint8Array => {
    const h = new ByteWriter(256);
    h.u32(RTREE_MAGIC);
    h.u16(RTREE_VERSION);
    h.u16(cap);
    h.u64(n);
    h.u16(L);
    h.u16(exact ? 1 : 0);
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

  // Per level, the bounds of each slot (node item); leaves first.
  let boxes: Float64Array = new Float64Array(n * 8);
  items.forEach((it, i) => {
    const o = i * 8;
    boxes[o] = it.min[0];
    boxes[o + 1] = it.min[1];
    boxes[o + 2] = it.min[2];
    boxes[o + 3] = it.max[0];
    boxes[o + 4] = it.max[1];
    boxes[o + 5] = it.max[2];
    boxes[o + 6] = it.t0;
    boxes[o + 7] = it.t1;
  });
  let subtree = new Float64Array(n).fill(1);
  for (let l = L - 1; l >= 0; l--) {
    const slots = subtree.length;
    const nextBoxes = new Float64Array(counts[l] * 8);
    const nextCount = new Float64Array(counts[l]);
    for (let j = 0; j < counts[l]; j++) {
      const at = offsets[l] + j * size;
      const m = Math.max(0, Math.min(cap, slots - j * cap));
      dv.setUint16(at + 4, m, true);
      dv.setUint16(at + 6, L - 1 - l, true);
      const agg = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity, Infinity, -Infinity];
      let total = 0;
      for (let e = 0; e < m; e++) {
        const s = j * cap + e;
        const p = at + RTREE_NODE_HEADER + e * RTREE_ITEM;
        for (let k = 0; k < 3; k++) {
          dv.setFloat32(p + 4 * k, down(boxes[s * 8 + k]), true);
          dv.setFloat32(p + 12 + 4 * k, up(boxes[s * 8 + 3 + k]), true);
        }
        dv.setFloat64(p + 24, boxes[s * 8 + 6], true);
        dv.setFloat64(p + 32, boxes[s * 8 + 7], true);
        if (l === L - 1) {
          dv.setUint32(p + 40, refA[s], true);
          dv.setUint32(p + 44, refB[s], true);
        } else {
          dv.setUint32(p + 40, subtree[s], true);
          dv.setUint32(p + 44, 0, true);
        }
        for (let k = 0; k < 3; k++) {
          agg[k] = Math.min(agg[k], boxes[s * 8 + k]);
          agg[3 + k] = Math.max(agg[3 + k], boxes[s * 8 + 3 + k]);
        }
        agg[6] = Math.min(agg[6], boxes[s * 8 + 6]);
        agg[7] = Math.max(agg[7], boxes[s * 8 + 7]);
        total += subtree[s];
      }
      dv.setUint32(at, checksum(out, at + 4, at + size), true);
      nextBoxes.set(agg, j * 8);
      nextCount[j] = total;
    }
    boxes = nextBoxes;
    subtree = nextCount;
  }
  return out;
}
