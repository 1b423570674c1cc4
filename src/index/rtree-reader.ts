/**
 * Streaming search of the packed Hilbert R-tree: the head (header + top
 * levels) in one read, then one coalesced batch of reads per remaining level.
 */
import { ByteReader } from "./bytes";
import { checksum } from "./checksum";
import { indexError } from "./index-error";
import type { RefList, ReadTuning } from "./btree-reader";
import {
  RTREE_ITEM,
  RTREE_MAGIC,
  RTREE_NODE_HEADER,
  RTREE_VERSION,
  type RTreeHeader,
  type SpaceTimeQuery,
  boxIntersects,
  rtreeNodeSize,
  timeIntersects,
} from "./rtree-layout";
import type { SectionReader } from "./section-reader";

const LABEL = "feature R-tree";

export class RTreeReader {
  private readonly cache = new Map<number, DataView>();
  private readonly gap: number;
  private readonly maxRequest: number;
  /** Requests issued per level by the last search (for explain()). */
  lastLevelReads: number[] = [];

  private constructor(
    private readonly sec: SectionReader,
    readonly header: RTreeHeader,
    private readonly head: Uint8Array,
    tuning: ReadTuning,
  ) {
    this.gap = tuning.treeGap ?? 262144;
    this.maxRequest = tuning.maxRequest ?? 1 << 20;
  }

  static async open(
    sec: SectionReader,
    headLength: number,
    tuning: ReadTuning = {},
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

  private async nodes(level: number, ids: number[], signal?: AbortSignal): Promise<DataView[]> {
    const h = this.header;
    const lv = h.levels[level];
    const size = rtreeNodeSize(h.nodeCapacity);
    const key = (i: number) => level * 2 ** 32 + i;
    const missing: number[] = [];
    for (const i of ids) {
      if (this.cache.has(key(i))) continue;
      const off = lv.offset + i * size;
      if (off + size <= this.head.length)
        this.cache.set(key(i), this.decode(this.head.subarray(off, off + size), level, off));
      else missing.push(i);
    }
    if (missing.length) {
      const before = this.sec.requests;
      const parts = await this.sec.readMany(
        missing.map((i) => ({ offset: lv.offset + i * size, length: size })),
        this.gap,
        this.maxRequest,
        signal,
      );
      this.lastLevelReads[level] = (this.lastLevelReads[level] ?? 0) + this.sec.requests - before;
      missing.forEach((i, k) => {
        this.cache.set(key(i), this.decode(parts[k], level, lv.offset + i * size));
      });
    }
    return ids.map((i) => this.cache.get(key(i)) as DataView);
  }

  private decode(bytes: Uint8Array, level: number, off: number): DataView {
    const h = this.header;
    const size = rtreeNodeSize(h.nodeCapacity);
    const at = this.sec.base + off;
    if (bytes.length !== size) throw indexError(LABEL, at, "truncated node", bytes.length);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== checksum(bytes, 4, size))
      throw indexError(LABEL, at, "node checksum mismatch", size);
    const count = dv.getUint16(4, true);
    if (count > h.nodeCapacity || dv.getUint16(6, true) !== h.levels.length - 1 - level) {
      throw indexError(LABEL, at, "bad node header");
    }
    return dv;
  }

  /** Record refs of features whose box and time interval intersect the query. */
  async search(q: SpaceTimeQuery, signal?: AbortSignal): Promise<RefList> {
    const h = this.header;
    const L = h.levels.length;
    const out: RefList = { a: [], b: [] };
    this.lastLevelReads = new Array(L).fill(0);
    if (h.itemCount === 0) return out;
    let ids = [0];
    for (let l = 0; l < L && ids.length; l++) {
      const leaf = l === L - 1;
      const nodes = await this.nodes(l, ids, signal);
      const next: number[] = [];
      nodes.forEach((dv, k) => {
        const count = dv.getUint16(4, true);
        for (let e = 0; e < count; e++) {
          const p = RTREE_NODE_HEADER + e * RTREE_ITEM;
          if (!this.itemMatches(dv, p, q, leaf)) continue;
          if (leaf) {
            out.a.push(dv.getUint32(p + 40, true));
            out.b.push(dv.getUint32(p + 44, true));
          } else next.push(ids[k] * h.nodeCapacity + e);
        }
      });
      if (!leaf) {
        const limit = h.levels[l + 1].nodeCount;
        for (const c of next)
          if (c >= limit)
            throw indexError(LABEL, this.sec.base + h.levels[l].offset, "child node out of range");
      }
      ids = next;
    }
    return out;
  }

  private itemMatches(dv: DataView, p: number, q: SpaceTimeQuery, leaf: boolean): boolean {
    if (q.time && !timeIntersects(dv.getFloat64(p + 24, true), dv.getFloat64(p + 32, true), q.time))
      return false;
    if (!q.box) return true;
    const min = [dv.getFloat32(p, true), dv.getFloat32(p + 4, true), dv.getFloat32(p + 8, true)];
    const max = [dv.getFloat32(p + 12, true), dv.getFloat32(p + 16, true), dv.getFloat32(p + 20, true)];
    if (leaf && this.header.exactBoxes) return boxIntersects(min, max, q.box.min, q.box.max);
    // Bounds of subtrees (and rounded leaves) are conservative: closed test.
    for (let k = 0; k < 3; k++) if (!(min[k] <= q.box.max[k] && q.box.min[k] <= max[k])) return false;
    return true;
  }

  /** Features the query may touch, estimated from the levels already in memory (no reads). */
  estimate(q: SpaceTimeQuery): number {
    const h = this.header;
    const L = h.levels.length;
    let ids = [0];
    let total = h.itemCount;
    for (let l = 0; l < L; l++) {
      const size = rtreeNodeSize(h.nodeCapacity);
      const inMem = ids.every(
        (i) => this.cache.has(l * 2 ** 32 + i) || h.levels[l].offset + (i + 1) * size <= this.head.length,
      );
      if (!inMem) break;
      const leaf = l === L - 1;
      const next: number[] = [];
      total = 0;
      for (const i of ids) {
        const off = h.levels[l].offset + i * size;
        const dv =
          this.cache.get(l * 2 ** 32 + i) ?? this.decode(this.head.subarray(off, off + size), l, off);
        const count = dv.getUint16(4, true);
        for (let e = 0; e < count; e++) {
          const p = RTREE_NODE_HEADER + e * RTREE_ITEM;
          if (!this.itemMatches(dv, p, q, leaf)) continue;
          total += leaf ? 1 : dv.getUint32(p + 40, true);
          next.push(i * h.nodeCapacity + e);
        }
      }
      ids = next;
      if (!ids.length) return 0;
    }
    return total;
  }
}

export function parseRTreeHeader(head: Uint8Array, at: number, blobLength: number): RTreeHeader {
  const r = new ByteReader(head);
  try {
    if (r.u32() !== RTREE_MAGIC) throw indexError(LABEL, at, "bad magic");
    const version = r.u16();
    if (version !== RTREE_VERSION) throw indexError(LABEL, at, `unsupported version ${version}`);
    const nodeCapacity = r.u16();
    const itemCount = r.u64();
    const L = r.u16();
    const exactBoxes = r.u16() === 1;
    if (L < 1 || L > 32 || nodeCapacity < 2) throw indexError(LABEL, at, "impossible tree shape");
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
    return {
      nodeCapacity,
      itemCount,
      levels,
      extent: { min: e.slice(0, 3), max: e.slice(3, 6), t0: e[6], t1: e[7] },
      exactBoxes,
      headerLength,
      headLength,
    };
  } catch (err) {
    if (err instanceof RangeError) throw indexError(LABEL, at, "truncated header");
    throw err;
  }
}
