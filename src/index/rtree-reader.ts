/**
 * Streaming search of the packed Hilbert R-tree: the head (header + top
 * levels) in one read, then, while it pays, one coalesced batch of node reads
 * per level. Every item carries its subtree's record run, so the search stops
 * at whatever level descending no longer saves more than it costs and returns
 * record runs, not single records.
 */

import { type ByteRange, coalesceRanges } from "../io/range-coalescing";
import type { ReadTuning } from "./btree-reader";
import { ByteCursor } from "./bytes";
import { checksum } from "./checksum";
import { indexError } from "./index-error";
import {
  itemRecords,
  type RecordRun,
  RTREE_ITEM,
  RTREE_MAGIC,
  RTREE_NODE_HEADER,
  RTREE_VERSION,
  type RTreeHeader,
  rtreeNodeSize,
  type SpaceTimeQuery,
  timeIntersects,
} from "./rtree-layout";
import type { SectionReader } from "./section-reader";

const LABEL = "feature R-tree";

export interface RTreeTuning extends ReadTuning {
  /**
   * Gap under which record reads are merged, and so what one request is
   * worth in bytes when deciding whether to descend a level. Default 256 KiB.
   */
  recordGap?: number;
  /** Largest merged record read. Default 4 MiB. */
  recordMaxRequest?: number;
  /**
   * After merging record reads under `recordGap`, merge the smallest further
   * gaps while they add at most this share of the bytes read. Default 0.25.
   */
  recordSlack?: number;
  /**
   * "cost" (default): descend a level only when the cost model says it pays;
   * "always": walk every matching item down to its record groups (fewest
   * bytes, most requests).
   */
  descend?: "cost" | "always";
}

export interface RTreeSearchOptions {
  /** False: walk only the levels already in memory (no requests). Default true. */
  readNodes?: boolean;
}

interface Hit extends RecordRun {
  /** Item index within its level (= child node index on the next level). */
  g: number;
  /** Estimated fraction of the item's records the query matches (overlap of its bounds). */
  f: number;
}

export class RTreeReader {
  private readonly cache = new Map<number, DataView>();
  private readonly treeGap: number;
  private readonly recordGap: number;
  private readonly maxRequest: number;
  private readonly recordMaxRequest: number;
  private readonly recordSlack: number;
  private readonly nodeSize: number;
  private readonly always: boolean;
  /** Requests issued per level by the last search (for explain()). */
  lastLevelReads: number[] = [];
  /** Levels the last search read or took from memory (1 = head only when the head is the root). */
  lastDepth = 0;

  private constructor(
    private readonly sec: SectionReader,
    readonly header: RTreeHeader,
    private readonly head: Uint8Array,
    tuning: RTreeTuning,
  ) {
    this.treeGap = tuning.treeGap ?? 262144;
    this.recordGap = tuning.recordGap ?? 262144;
    this.maxRequest = tuning.maxRequest ?? 1 << 20;
    this.recordMaxRequest = tuning.recordMaxRequest ?? 4 << 20;
    this.recordSlack = tuning.recordSlack ?? 0.25;
    this.nodeSize = rtreeNodeSize(header.nodeCapacity);
    this.always = tuning.descend === "always";
  }

  static async open(
    sec: SectionReader,
    headLength: number,
    tuning: RTreeTuning = {},
    signal?: AbortSignal,
  ): Promise<RTreeReader> {
    if (headLength < 16 || headLength > sec.length)
      throw indexError(LABEL, sec.base, `head length ${headLength} invalid`);
    const head = await sec.read(0, headLength, signal);
    return new RTreeReader(sec, parseRTreeHeader(head, sec.base, sec.length), head, tuning);
  }

  get levelCount(): number {
    return this.header.levels.length;
  }

  private key(level: number, i: number): number {
    return level * 2 ** 32 + i;
  }

  private inMemory(level: number, i: number): boolean {
    const end = this.header.levels[level].offset + (i + 1) * this.nodeSize;
    return this.cache.has(this.key(level, i)) || end <= this.head.length;
  }

  private async nodes(level: number, ids: number[], signal?: AbortSignal): Promise<DataView[]> {
    const lv = this.header.levels[level];
    const size = this.nodeSize;
    const missing: number[] = [];
    for (const i of ids) {
      if (this.cache.has(this.key(level, i))) continue;
      const off = lv.offset + i * size;
      if (off + size <= this.head.length)
        this.cache.set(this.key(level, i), this.decode(this.head.subarray(off, off + size), level, i));
      else missing.push(i);
    }
    if (missing.length) {
      const before = this.sec.requests;
      const parts = await this.sec.readMany(
        missing.map((i) => ({ offset: lv.offset + i * size, length: size })),
        this.treeGap,
        this.maxRequest,
        signal,
      );
      this.lastLevelReads[level] = (this.lastLevelReads[level] ?? 0) + this.sec.requests - before;
      missing.forEach((i, k) => {
        this.cache.set(this.key(level, i), this.decode(parts[k], level, i));
      });
    }
    return ids.map((i) => this.cache.get(this.key(level, i)) as DataView);
  }

  /** Verifies a node: checksum, header, and record runs that tile its subtree's records in order. */
  private decode(bytes: Uint8Array, level: number, i: number): DataView {
    const h = this.header;
    const size = this.nodeSize;
    const at = this.sec.base + h.levels[level].offset + i * size;
    if (bytes.length !== size) throw indexError(LABEL, at, "truncated node", bytes.length);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== checksum(bytes, 4, size))
      throw indexError(LABEL, at, "node checksum mismatch", size);
    const count = dv.getUint16(4, true);
    const cap = h.nodeCapacity;
    const want = Math.max(0, Math.min(cap, Math.ceil(itemsOnLevel(h, level) - i * cap)));
    if (count !== want || dv.getUint16(6, true) !== h.levels.length - 1 - level)
      throw indexError(LABEL, at, "bad node header");
    for (let e = 0; e < count; e++) {
      const p = RTREE_NODE_HEADER + e * RTREE_ITEM;
      const a = dv.getUint32(p + 40, true);
      const b = dv.getUint32(p + 44, true);
      const prevEnd = e > 0 ? dv.getUint32(p - RTREE_ITEM + 44, true) : a;
      if (b <= a || (e > 0 && a !== prevEnd))
        throw indexError(LABEL, at, `record runs out of order at item ${e}`);
    }
    return dv;
  }

  /**
   * Record runs of the features whose box and time interval may intersect
   * the query, in file order. Runs are whole subtrees: the caller checks each
   * record exactly.
   */
  async search(q: SpaceTimeQuery, signal?: AbortSignal, opts: RTreeSearchOptions = {}): Promise<RecordRun[]> {
    const h = this.header;
    const L = h.levels.length;
    const cap = h.nodeCapacity;
    const out: RecordRun[] = [];
    this.lastLevelReads = new Array(L).fill(0);
    this.lastDepth = 0;
    if (h.itemCount === 0) return out;
    let ids = [0];
    // The run each node's items must tile (its parent item's), for a consistency check.
    let expect: (RecordRun | undefined)[] = [undefined];
    for (let l = 0; l < L && ids.length; l++) {
      const nodes = await this.nodes(l, ids, signal);
      this.lastDepth = l + 1;
      const hits: Hit[] = [];
      nodes.forEach((dv, k) => {
        const count = dv.getUint16(4, true);
        const at = this.sec.base + h.levels[l].offset + ids[k] * this.nodeSize;
        const parent = expect[k];
        if (parent && count > 0) {
          const first = dv.getUint32(RTREE_NODE_HEADER + 40, true) * 8;
          const last = dv.getUint32(RTREE_NODE_HEADER + (count - 1) * RTREE_ITEM + 44, true) * 8;
          if (first !== parent.offset || last !== parent.offset + parent.length)
            throw indexError(LABEL, at, "record runs disagree with the parent item");
        }
        for (let e = 0; e < count; e++) {
          const p = RTREE_NODE_HEADER + e * RTREE_ITEM;
          if (!itemMatches(dv, p, q)) continue;
          const g = ids[k] * cap + e;
          const offset = dv.getUint32(p + 40, true) * 8;
          const length = dv.getUint32(p + 44, true) * 8 - offset;
          hits.push({ g, offset, length, count: itemRecords(h, l, g).count, f: overlapFraction(dv, p, q) });
        }
      });
      if (l === L - 1) {
        out.push(...hits);
        break;
      }
      const limit = h.levels[l + 1].nodeCount;
      for (const hit of hits)
        if (hit.g >= limit)
          throw indexError(LABEL, this.sec.base + h.levels[l].offset, "child node out of range");
      // Levels in memory are free: walk every hit down (finer runs). Below
      // them, descend partly covered items only when the cost model says so.
      const readNodes = opts.readNodes ?? true;
      let down: Hit[] = [];
      if (hits.every((x) => this.inMemory(l + 1, x.g)) || (readNodes && this.always)) down = hits;
      else if (readNodes) {
        const partial = hits.filter((x) => x.f < 1);
        if (partial.length && this.descendPays(l, hits, partial, out)) down = partial;
      }
      if (!down.length) {
        out.push(...hits);
        break;
      }
      const walked = new Set(down);
      for (const x of hits) if (!walked.has(x)) out.push(x);
      ids = down.map((x) => x.g);
      expect = down;
    }
    out.sort((x, y) => x.offset - y.offset);
    return out.map((r) => ({ offset: r.offset, length: r.length, count: r.count }));
  }

  /**
   * Cost model, in bytes, with one request worth `recordGap` bytes (the gap
   * under which merging two reads is cheaper than a second request): reading
   * the hits' runs now, against reading the child nodes plus, for each
   * partly covered item, the share of its run its overlap predicts (never
   * less than one child's run). Both plans' record reads are coalesced as
   * they would be fetched.
   */
  private descendPays(level: number, hits: Hit[], partial: Hit[], done: RecordRun[]): boolean {
    const K = this.recordGap;
    // Requests and the bytes they fetch, gaps included, as the reads would be merged.
    const cost = (ranges: ByteRange[], gap: number, max: number, slack = 0) => {
      let c = 0;
      for (const r of coalesceRanges(ranges, gap, max, slack)) c += K + r.length;
      return c;
    };
    const direct = cost([...done, ...hits], this.recordGap, this.recordMaxRequest, this.recordSlack);
    const childSpan = itemRecords(this.header, level + 1, 0).count || 1;
    const pieces = hits.map((x) => {
      if (x.f >= 1) return x;
      const children = Math.max(1, Math.ceil(x.count / childSpan));
      const len = Math.min(x.length, Math.max(x.f * x.length, x.length / children));
      return { offset: x.offset + Math.floor((x.length - len) / 2), length: Math.ceil(len) };
    });
    const lv = this.header.levels[level + 1];
    const nodes = partial
      .filter((x) => !this.inMemory(level + 1, x.g))
      .map((x) => ({ offset: lv.offset + x.g * this.nodeSize, length: this.nodeSize }));
    const descend =
      cost([...done, ...pieces], this.recordGap, this.recordMaxRequest, this.recordSlack) +
      cost(nodes, this.treeGap, this.maxRequest);
    return descend < direct;
  }

  /** Records a search would fetch at most: those under matching items of the levels in memory (no reads). */
  estimate(q: SpaceTimeQuery): number {
    const h = this.header;
    const L = h.levels.length;
    if (h.itemCount === 0) return 0;
    let ids = [0];
    let total = h.itemCount;
    for (let l = 0; l < L; l++) {
      if (!ids.every((i) => this.inMemory(l, i))) break;
      const next: number[] = [];
      total = 0;
      for (const i of ids) {
        const off = h.levels[l].offset + i * this.nodeSize;
        const dv =
          this.cache.get(this.key(l, i)) ?? this.decode(this.head.subarray(off, off + this.nodeSize), l, i);
        const count = dv.getUint16(4, true);
        for (let e = 0; e < count; e++) {
          const p = RTREE_NODE_HEADER + e * RTREE_ITEM;
          if (!itemMatches(dv, p, q)) continue;
          const g = i * h.nodeCapacity + e;
          total += itemRecords(h, l, g).count;
          next.push(g);
        }
      }
      ids = next;
      if (!ids.length) return 0;
    }
    return total;
  }
}

/** Items on a level: record groups on the last one, child nodes above. */
function itemsOnLevel(h: RTreeHeader, level: number): number {
  const L = h.levels.length;
  return level === L - 1 ? Math.ceil(h.itemCount / h.groupSize) : h.levels[level + 1].nodeCount;
}

/** Subtree bounds are conservative (rounded outward): closed test. */
function itemMatches(dv: DataView, p: number, q: SpaceTimeQuery): boolean {
  if (q.time && !timeIntersects(dv.getFloat64(p + 24, true), dv.getFloat64(p + 32, true), q.time))
    return false;
  if (!q.box) return true;
  for (let k = 0; k < 3; k++) {
    const lo = dv.getFloat32(p + 4 * k, true);
    const hi = dv.getFloat32(p + 12 + 4 * k, true);
    if (!(lo <= q.box.max[k] && q.box.min[k] <= hi)) return false;
  }
  return true;
}

/** Share of an item's bounds (per axis and in time) the query covers: 1 when it contains them. */
function overlapFraction(dv: DataView, p: number, q: SpaceTimeQuery): number {
  const part = (lo: number, hi: number, qlo: number, qhi: number) =>
    hi > lo ? Math.max(0, Math.min(1, (Math.min(hi, qhi) - Math.max(lo, qlo)) / (hi - lo))) : 1;
  let f = 1;
  if (q.box) {
    for (let k = 0; k < 3; k++)
      f *= part(
        dv.getFloat32(p + 4 * k, true),
        dv.getFloat32(p + 12 + 4 * k, true),
        q.box.min[k],
        q.box.max[k],
      );
  }
  if (q.time) f *= part(dv.getFloat64(p + 24, true), dv.getFloat64(p + 32, true), q.time[0], q.time[1]);
  return f;
}

export function parseRTreeHeader(head: Uint8Array, at: number, blobLength: number): RTreeHeader {
  const r = new ByteCursor(head);
  try {
    if (r.u32() !== RTREE_MAGIC) throw indexError(LABEL, at, "bad magic");
    const version = r.u16();
    if (version !== RTREE_VERSION) throw indexError(LABEL, at, `unsupported version ${version}`);
    const nodeCapacity = r.u16();
    const itemCount = r.u64();
    const L = r.u16();
    const groupSize = r.u16();
    if (L < 1 || L > 32 || nodeCapacity < 2 || groupSize < 1)
      throw indexError(LABEL, at, "impossible tree shape");
    const levels = [];
    for (let l = 0; l < L; l++) levels.push({ nodeCount: r.u32(), offset: r.u64() });
    const e = Array.from({ length: 8 }, () => r.f64());
    const headerLength = r.u32();
    const headLength = r.u32();
    const crc = r.u32();
    if (crc !== checksum(head, 0, r.pos - 4)) throw indexError(LABEL, at, "header checksum mismatch", r.pos);
    if (headerLength !== r.pos) throw indexError(LABEL, at, "header length mismatch");
    const size = rtreeNodeSize(nodeCapacity);
    levels.forEach((lv, l) => {
      if (lv.offset + lv.nodeCount * size > blobLength)
        throw indexError(LABEL, at + lv.offset, `level ${l} extends beyond the R-tree`);
    });
    // The shape is implied by the counts: check it, so implicit child indices stay in range.
    let items = Math.ceil(itemCount / groupSize);
    for (let l = L - 1; l >= 0; l--) {
      const nodes = Math.max(1, Math.ceil(items / nodeCapacity));
      if (levels[l].nodeCount !== nodes) throw indexError(LABEL, at, `level ${l} has the wrong node count`);
      items = nodes;
    }
    if (items !== 1) throw indexError(LABEL, at, "more than one root");
    return {
      nodeCapacity,
      itemCount,
      groupSize,
      levels,
      extent: { min: e.slice(0, 3), max: e.slice(3, 6), t0: e[6], t1: e[7] },
      headerLength,
      headLength,
    };
  } catch (err) {
    if (err instanceof RangeError) throw indexError(LABEL, at, "truncated header");
    throw err;
  }
}
