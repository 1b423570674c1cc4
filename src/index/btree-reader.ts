/**
 * Streaming reader of one attribute B+tree: the header and top levels come in
 * one read, then one read per remaining level (start and end of a range are
 * descended together), one coalesced read for the leaves a range spans, and
 * coalesced reads for long strings and duplicate lists when needed.
 */

import { type BloomKernels, sharedBloom } from "../core/bloom";
import { blockIndex } from "../core/bloom-js";
import { isFlatvoxError } from "../shared/errors";
import {
  BLOOM_PAGE_BLOCKS,
  BTREE_MAGIC,
  BTREE_VERSION,
  type BTreeHeader,
  internalEntrySize,
  KEY_TYPE_NAMES,
  leafEntrySize,
  NODE_HEADER,
  nodeSize,
} from "./btree-layout";
import { ByteCursor } from "./bytes";
import { checksum } from "./checksum";
import type { PropValue } from "./feature-types";
import { indexError } from "./index-error";
import {
  bloomBytes,
  compareBytes,
  compareStored,
  type Key,
  type KeyRange,
  normalizeValue,
} from "./key-codec";
import type { SectionReader } from "./section-reader";

/** Record refs as pairs: a[i] = record offset / 8 in the records section, b[i] = record length. */
export interface RefList {
  a: number[];
  b: number[];
}

export interface IndexEntryRef {
  name: string;
  offset: number;
  length: number;
  headLength: number;
}

interface Node {
  bytes: Uint8Array;
  dv: DataView;
  count: number;
  /** Offset of the node in the file (for errors). */
  at: number;
}

export interface ReadTuning {
  /** B+tree: merge reads closer than this many bytes. Default 16 KiB. */
  gap?: number;
  /** Bloom kernels for probes (default: the shared SIMD WASM core, or its JS twin where WASM SIMD is missing). */
  bloom?: BloomKernels;
  /** R-tree: merge node reads of one level closer than this. Default 256 KiB (one request per level for compact queries). */
  treeGap?: number;
  /** Largest single request. Default 1 MiB. */
  maxRequest?: number;
}

export class AttributeIndexReader {
  private readonly nodes = new Map<number, Node>();
  private readonly label: string;
  private readonly gap: number;
  private readonly maxRequest: number;
  private readonly bloom?: BloomKernels;

  private constructor(
    private readonly sec: SectionReader,
    private readonly base: number,
    readonly header: BTreeHeader,
    private readonly head: Uint8Array,
    tuning: ReadTuning,
  ) {
    this.label = `attribute index "${header.name}"`;
    this.gap = tuning.gap ?? 16384;
    this.maxRequest = tuning.maxRequest ?? 1 << 20;
    this.bloom = tuning.bloom;
  }

  static async open(sec: SectionReader, entry: IndexEntryRef, tuning: ReadTuning = {}, signal?: AbortSignal) {
    const label = `attribute index "${entry.name}"`;
    if (entry.headLength > entry.length || entry.headLength < 16) {
      throw indexError(label, sec.base + entry.offset, `head length ${entry.headLength} invalid`);
    }
    const head = await sec.read(entry.offset, entry.headLength, signal);
    const header = parseHeader(head, label, sec.base + entry.offset, entry.length);
    return new AttributeIndexReader(sec, entry.offset, header, head, tuning);
  }

  get type() {
    return this.header.type;
  }

  private nodeSizeAt(level: number): number {
    const h = this.header;
    return nodeSize(h.type, h.keyWidth, h.nodeCapacity, level === h.levels.length - 1);
  }

  /** Nodes `indices` of `level`, from cache, the head, or one coalesced batch of reads. */
  private async getNodes(level: number, indices: number[], signal?: AbortSignal): Promise<Node[]> {
    const h = this.header;
    const lv = h.levels[level];
    const size = this.nodeSizeAt(level);
    const keyOf = (i: number) => level * 2 ** 32 + i;
    const missing: number[] = [];
    for (const i of indices) {
      if (i < 0 || i >= lv.nodeCount)
        throw indexError(this.label, this.sec.base + this.base, `node ${i} of level ${level} does not exist`);
      if (this.nodes.has(keyOf(i))) continue;
      const off = lv.offset + i * size;
      if (off + size <= this.head.length)
        this.nodes.set(keyOf(i), this.decode(this.head.subarray(off, off + size), level, off));
      else if (!missing.includes(i)) missing.push(i);
    }
    if (missing.length) {
      const ranges = missing.map((i) => ({ offset: this.base + lv.offset + i * size, length: size }));
      const parts = await this.sec.readMany(ranges, this.gap, this.maxRequest, signal);
      missing.forEach((i, k) => {
        this.nodes.set(keyOf(i), this.decode(parts[k], level, lv.offset + i * size));
      });
    }
    return indices.map((i) => this.nodes.get(keyOf(i)) as Node);
  }

  private decode(bytes: Uint8Array, level: number, off: number): Node {
    const h = this.header;
    const at = this.sec.base + this.base + off;
    const size = this.nodeSizeAt(level);
    if (bytes.length !== size) throw indexError(this.label, at, "truncated node", bytes.length);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== checksum(bytes, 4, size))
      throw indexError(this.label, at, "node checksum mismatch", size);
    const count = dv.getUint16(4, true);
    const leaf = level === h.levels.length - 1;
    if (count > h.nodeCapacity || (count === 0 && h.distinctCount > 0))
      throw indexError(this.label, at, `bad entry count ${count}`);
    if (dv.getUint16(6, true) !== h.levels.length - 1 - level)
      throw indexError(this.label, at, "node level mismatch");
    // Keys must be sorted: fixed parts non-decreasing, strictly increasing for fixed-width types.
    const es = leaf ? leafEntrySize(h.type, h.keyWidth) : internalEntrySize(h.type, h.keyWidth);
    const w = h.keyWidth;
    for (let e = 1; e < count; e++) {
      const a = bytes.subarray(NODE_HEADER + (e - 1) * es, NODE_HEADER + (e - 1) * es + w);
      const b = bytes.subarray(NODE_HEADER + e * es, NODE_HEADER + e * es + w);
      const c = compareBytes(a, b);
      if (c > 0 || (c === 0 && h.type !== "string"))
        throw indexError(this.label, at, `keys out of order at entry ${e}`);
    }
    return { bytes, dv, count, at };
  }

  private entryKey(node: Node, e: number, leaf: boolean): { fixed: Uint8Array; len: number; p: number } {
    const h = this.header;
    const es = leaf ? leafEntrySize(h.type, h.keyWidth) : internalEntrySize(h.type, h.keyWidth);
    const p = NODE_HEADER + e * es;
    const fixed = node.bytes.subarray(p, p + h.keyWidth);
    const len = h.type === "string" ? node.dv.getUint32(p + h.keyWidth, true) : h.keyWidth;
    return { fixed, len, p };
  }

  /** Leaf index where a descent for `k` ends. `accept(c)` says whether child with separator-compare c may hold answers. */
  private async descend(
    targets: { key?: Key; accept: (c: number | undefined) => boolean; dflt: number }[],
    signal?: AbortSignal,
  ) {
    const h = this.header;
    const L = h.levels.length;
    const idx = targets.map(() => 0);
    for (let l = 0; l < L - 1; l++) {
      const nodes = await this.getNodes(l, idx, signal);
      targets.forEach((t, k) => {
        const node = nodes[k];
        if (!t.key) {
          idx[k] = t.dflt < 0 ? idx[k] * h.nodeCapacity + node.count - 1 : idx[k] * h.nodeCapacity;
          return;
        }
        let pick = 0;
        for (let e = 0; e < node.count; e++) {
          const { fixed, len } = this.entryKey(node, e, false);
          if (t.accept(compareStored(h.type, fixed, len, undefined, t.key as Key))) pick = e;
          else if (e > 0) break;
        }
        idx[k] = idx[k] * h.nodeCapacity + pick;
      });
    }
    return idx;
  }

  /** Feature refs whose key lies in any of `ranges`. */
  async lookup(ranges: KeyRange[], signal?: AbortSignal): Promise<RefList> {
    const out: RefList = { a: [], b: [] };
    const h = this.header;
    if (h.distinctCount === 0) return out;
    const leafLevel = h.levels.length - 1;
    const w = h.keyWidth;
    // Descend every range's start and end together, level by level.
    const targets = ranges.flatMap((r) => [
      { key: r.lo, accept: (c: number | undefined) => c !== undefined && c <= 0, dflt: 0 },
      {
        key: r.hi,
        accept: (c: number | undefined) => (r.hiInc ? c !== 1 : c === -1 || c === undefined),
        dflt: -1,
      },
    ]);
    const idx = await this.descend(targets, signal);
    const leafSet = new Set<number>();
    for (let r = 0; r < ranges.length; r++) for (let j = idx[2 * r]; j <= idx[2 * r + 1]; j++) leafSet.add(j);
    const leafIds = [...leafSet].sort((x, y) => x - y);
    const leaves = await this.getNodes(leafLevel, leafIds, signal);

    // Match entries; long strings with equal prefixes need their full bytes.
    type Cand = { leaf: Node; p: number; fixed: Uint8Array; len: number; ovf: number; full?: Uint8Array };
    const cands: Cand[] = [];
    for (const leaf of leaves) {
      for (let e = 0; e < leaf.count; e++) {
        const { fixed, len, p } = this.entryKey(leaf, e, true);
        cands.push({
          leaf,
          p,
          fixed,
          len,
          ovf: h.type === "string" ? leaf.dv.getUint32(p + w + 4, true) : 0,
        });
      }
    }
    const inRange = (c: Cand, r: KeyRange): boolean | undefined => {
      if (r.lo) {
        const x = compareStored(h.type, c.fixed, c.len, c.full, r.lo);
        if (x === undefined) return undefined;
        if (x < 0 || (x === 0 && !r.loInc)) return false;
      }
      if (r.hi) {
        const x = compareStored(h.type, c.fixed, c.len, c.full, r.hi);
        if (x === undefined) return undefined;
        if (x > 0 || (x === 0 && !r.hiInc)) return false;
      }
      return true;
    };
    const needFull = cands.filter((c) => ranges.some((r) => inRange(c, r) === undefined));
    if (needFull.length) {
      const parts = await this.sec.readMany(
        needFull.map((c) => {
          if (c.ovf + 4 + c.len > h.overflowLength)
            throw indexError(this.label, c.leaf.at, "overflow reference out of bounds");
          return { offset: this.base + h.overflowOffset + c.ovf, length: 4 + c.len };
        }),
        this.gap,
        this.maxRequest,
        signal,
      );
      needFull.forEach((c, k) => {
        const part = parts[k];
        const full = part.subarray(4);
        if (
          new DataView(part.buffer, part.byteOffset).getUint32(0, true) !== checksum(full) ||
          compareBytes(full.subarray(0, w), c.fixed) !== 0
        ) {
          throw indexError(
            this.label,
            this.sec.base + this.base + h.overflowOffset + c.ovf,
            "long key checksum mismatch",
          );
        }
        c.full = full;
      });
    }
    const payloads: { count: number; at: number }[] = [];
    for (const c of cands) {
      if (!ranges.some((r) => inRange(c, r) === true)) continue;
      const q = c.p + w + (h.type === "string" ? 8 : 0);
      const count = c.leaf.dv.getUint32(q, true);
      if (count === 1) {
        out.a.push(c.leaf.dv.getUint32(q + 4, true));
        out.b.push(c.leaf.dv.getUint32(q + 8, true));
      } else {
        const at = c.leaf.dv.getUint32(q + 4, true);
        if (count === 0 || at + 8 + 8 * count > h.payloadLength)
          throw indexError(this.label, c.leaf.at, "payload reference out of bounds");
        payloads.push({ count, at });
      }
    }
    if (payloads.length) {
      const parts = await this.sec.readMany(
        payloads.map((p) => ({ offset: this.base + h.payloadOffset + p.at, length: 8 + 8 * p.count })),
        this.gap,
        this.maxRequest,
        signal,
      );
      payloads.forEach((p, k) => {
        const part = parts[k];
        const dv = new DataView(part.buffer, part.byteOffset, part.byteLength);
        if (dv.getUint32(0, true) !== checksum(part, 4) || dv.getUint32(4, true) !== p.count) {
          throw indexError(
            this.label,
            this.sec.base + this.base + h.payloadOffset + p.at,
            "duplicate list checksum mismatch",
          );
        }
        for (let i = 0; i < p.count; i++) {
          out.a.push(dv.getUint32(8 + 8 * i, true));
          out.b.push(dv.getUint32(12 + 8 * i, true));
        }
      });
    }
    return out;
  }

  /** Estimated number of features matching `ranges`, from the header's histogram (no reads). */
  estimate(ranges: KeyRange[]): number {
    const h = this.header;
    let total = 0;
    for (const r of ranges) {
      const point = r.lo && r.hi && r.loInc && r.hiInc && compareBytes(r.lo.fixed, r.hi.fixed) === 0;
      h.histogram.forEach((b, i) => {
        const loKey = i === 0 ? h.minKey : h.histogram[i - 1].upper;
        const loLen = i === 0 ? h.minLen : h.histogram[i - 1].upperLen;
        const cLo = r.hi ? compareStored(h.type, loKey, loLen, undefined, r.hi) : -1;
        const cHi = r.lo ? compareStored(h.type, b.upper, b.upperLen, undefined, r.lo) : 1;
        if (cLo !== undefined && (i === 0 ? cLo > 0 : cLo >= 0)) return;
        if (cHi !== undefined && cHi < 0) return;
        if (point) total += b.count / Math.max(1, b.distinct);
        else {
          const inLo = !r.lo || (i > 0 && (compareStored(h.type, loKey, loLen, undefined, r.lo) ?? -1) >= 0);
          const inHi = !r.hi || (compareStored(h.type, b.upper, b.upperLen, undefined, r.hi) ?? 1) <= 0;
          total += inLo && inHi ? b.count : b.count / 2;
        }
      });
    }
    return Math.min(total, h.featureCount);
  }

  /** True when the bloom filter came with the head, so checking it costs no request. */
  get bloomResident(): boolean {
    const h = this.header;
    return h.bloomBlocks > 0 && h.bloomOffset + h.bloomLength <= this.head.length;
  }

  /** False when the bloom filter proves no feature has `value`; undefined when there is no filter. */
  async mightContain(value: PropValue, signal?: AbortSignal): Promise<boolean | undefined> {
    const h = this.header;
    if (h.bloomBlocks === 0) return undefined;
    let v: PropValue;
    try {
      v = normalizeValue(h.type, value, h.name);
    } catch (e) {
      if (isFlatvoxError(e, "InputError")) return false;
      throw e;
    }
    if (v === null || (typeof v === "number" && Number.isNaN(v))) return false;
    const bloom = this.bloom ?? (await sharedBloom());
    const [lo, hi] = bloom.hashOne(bloomBytes(h.type, v));
    const block = blockIndex(hi, h.bloomBlocks);
    const page = Math.floor(block / BLOOM_PAGE_BLOCKS);
    const dv = await this.bloomPage(page, signal);
    const at = 4 + (block - page * BLOOM_PAGE_BLOCKS) * 32;
    return bloom.probeBlock(new Uint8Array(dv.buffer, dv.byteOffset + at, 32), lo, hi);
  }

  /** One checksum-verified bloom page (from the head when it came with it). */
  private async bloomPage(page: number, signal?: AbortSignal): Promise<DataView> {
    const h = this.header;
    const pageStride = 4 + BLOOM_PAGE_BLOCKS * 32;
    const blocksInPage = Math.min(BLOOM_PAGE_BLOCKS, h.bloomBlocks - page * BLOOM_PAGE_BLOCKS);
    const off = h.bloomOffset + page * pageStride;
    const len = 4 + blocksInPage * 32;
    const bytes =
      off + len <= this.head.length
        ? this.head.subarray(off, off + len)
        : await this.sec.read(this.base + off, len, signal);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== checksum(bytes, 4))
      throw indexError(this.label, this.sec.base + this.base + off, "bloom page checksum mismatch");
    return dv;
  }

  /**
   * Everything a query could touch, checked: every node of every level (with
   * in-range child links), every bloom page, and the references of every key
   * (long keys and duplicate lists included). Returns all references.
   */
  async verifyAll(signal?: AbortSignal): Promise<RefList> {
    const h = this.header;
    const L = h.levels.length;
    const BATCH = 4096;
    for (let l = 0; l < L; l++) {
      const n = h.levels[l].nodeCount;
      for (let i0 = 0; i0 < n; i0 += BATCH) {
        const ids = Array.from({ length: Math.min(BATCH, n - i0) }, (_, k) => i0 + k);
        const nodes = await this.getNodes(l, ids, signal);
        if (l === L - 1) continue;
        const below = h.levels[l + 1].nodeCount;
        nodes.forEach((node, k) => {
          if (ids[k] * h.nodeCapacity + node.count > below)
            throw indexError(this.label, node.at, `children of node ${ids[k]} of level ${l} do not exist`);
        });
      }
    }
    for (let page = 0; page * BLOOM_PAGE_BLOCKS < h.bloomBlocks; page++) await this.bloomPage(page, signal);
    return this.lookup([{ loInc: true, hiInc: true }], signal);
  }
}

export function parseHeader(head: Uint8Array, label: string, at: number, blobLength: number): BTreeHeader {
  const r = new ByteCursor(head);
  try {
    if (r.u32() !== BTREE_MAGIC) throw indexError(label, at, "bad magic");
    const version = r.u16();
    if (version !== BTREE_VERSION) throw indexError(label, at, `unsupported version ${version}`);
    const type = KEY_TYPE_NAMES[r.u8()];
    if (!type) throw indexError(label, at, "unknown key type");
    r.u8();
    const keyWidth = r.u16();
    const nodeCapacity = r.u16();
    const headerLength = r.u32();
    const headLength = r.u32();
    if (headerLength > head.length || headerLength < 8)
      throw indexError(label, at, "header longer than the head");
    const stored = new DataView(head.buffer, head.byteOffset).getUint32(headerLength - 4, true);
    if (stored !== checksum(head, 0, headerLength - 4))
      throw indexError(label, at, "header checksum mismatch", headerLength);
    const distinctCount = r.u64();
    const featureCount = r.u64();
    const L = r.u16();
    r.u16();
    if (L < 1 || L > 16 || nodeCapacity < 2) throw indexError(label, at, "impossible tree shape");
    const levels = [];
    for (let l = 0; l < L; l++) levels.push({ nodeCount: r.u32(), offset: r.u64() });
    const [payloadOffset, payloadLength, overflowOffset, overflowLength, bloomOffset, bloomLength] =
      r.u64s(6);
    const bloomBlocks = r.u32();
    const name = r.str16();
    const readKey = () => {
      const fixed = r.take(keyWidth).slice();
      const len = type === "string" ? r.u32() : keyWidth;
      return { fixed, len };
    };
    const min = readKey();
    const nb = r.u16();
    const histogram = [];
    for (let i = 0; i < nb; i++) {
      const k = readKey();
      histogram.push({ upper: k.fixed, upperLen: k.len, count: r.u64(), distinct: r.u32() });
    }
    const h: BTreeHeader = {
      name,
      type,
      keyWidth,
      nodeCapacity,
      headerLength,
      headLength,
      distinctCount,
      featureCount,
      levels,
      payloadOffset,
      payloadLength,
      overflowOffset,
      overflowLength,
      bloomOffset,
      bloomLength,
      bloomBlocks,
      histogram,
      minKey: min.fixed,
      minLen: min.len,
    };
    // Everything declared must lie inside the blob.
    levels.forEach((lv, l) => {
      const size = nodeSize(type, keyWidth, nodeCapacity, l === L - 1);
      if (lv.offset + lv.nodeCount * size > blobLength)
        throw indexError(label, at, `level ${l} extends beyond the index`);
    });
    for (const [o, n] of [
      [payloadOffset, payloadLength],
      [overflowOffset, overflowLength],
      [bloomOffset, bloomLength],
    ]) {
      if (o + n > blobLength) throw indexError(label, at, "region extends beyond the index");
    }
    return h;
  } catch (e) {
    if (e instanceof RangeError) throw indexError(label, at, "truncated header");
    throw e;
  }
}
