/**
 * Static B+tree over one feature property: distinct sorted keys in fixed-size
 * leaves, implicit child positions (child i of node j at the next level is
 * node j·B + i), duplicates in a payload region, long strings in an overflow
 * region, an equi-depth histogram and an optional SBBF in the header.
 */

import type { BloomKernels } from "../core/bloom";
import { sbbfInsertJs } from "../core/bloom-js";
import { xxhash64Parts } from "../core/xxhash64";
import {
  BLOOM_PAGE_BLOCKS,
  BTREE_MAGIC,
  BTREE_VERSION,
  internalEntrySize,
  KEY_TYPE_CODES,
  leafEntrySize,
  NODE_HEADER,
  nodeSize,
} from "./btree-layout";
import { ByteWriter, utf8 } from "./bytes";
import { checksum } from "./checksum";
import type { PropValue } from "./feature-types";
import { bloomBytes, compareBytes, encodeKey, type KeyType, keyWidth } from "./key-codec";

export interface BTreeBuildOptions {
  /** Entries per node (internal and leaf). Default 512, or the distinct key count (at least 16) when smaller. */
  nodeCapacity?: number;
  /** Fixed prefix bytes for string keys. Default 16. */
  stringWidth?: number;
  /** Bytes of header + top levels that a reader fetches in its first request. Default 32 KiB. */
  headBudget?: number;
  /** Build a bloom filter over the distinct keys. */
  bloom?: boolean;
  /** Bloom false-positive rate. Default 0.01. */
  bloomFpp?: number;
  /** Hash and insert the bloom keys with these kernels (the SIMD WASM core); default: the JS twin, same bits. */
  bloomKernels?: BloomKernels;
  histogramBuckets?: number;
}

/**
 * `values[i]` (normalized for `type`, null = not indexed) belongs to the
 * feature whose record ref is (refA[i], refB[i]).
 */
export function buildAttributeIndex(
  name: string,
  type: KeyType,
  values: PropValue[],
  refA: Uint32Array,
  refB: Uint32Array,
  opts: BTreeBuildOptions = {},
): Uint8Array {
  if (opts.nodeCapacity !== undefined && !(opts.nodeCapacity >= 2 && opts.nodeCapacity <= 65535))
    throw new Error("nodeCapacity must be in 2..65535");
  const sw = opts.stringWidth ?? 16;
  const w = keyWidth(type, sw);
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== null && values[i] !== undefined) order.push(i);
  const strBytes =
    type === "string" ? values.map((v) => (typeof v === "string" ? utf8(v) : undefined)) : undefined;
  order.sort(comparator(type, values, strBytes));

  // Group equal keys.
  const groupStart: number[] = [];
  for (let k = 0; k < order.length; k++) {
    if (k === 0 || !sameKey(type, values, strBytes, order[k - 1], order[k])) groupStart.push(k);
  }
  const distinct = groupStart.length;
  // A small index gets one node just big enough (fixed-size nodes would otherwise pad it to 512 entries).
  const B = opts.nodeCapacity ?? Math.min(512, Math.max(16, distinct));
  groupStart.push(order.length);
  const keys: { fixed: Uint8Array; full?: Uint8Array }[] = new Array(distinct);
  for (let g = 0; g < distinct; g++) keys[g] = encodeKey(type, values[order[groupStart[g]]], sw);

  // Levels, bottom-up counts.
  const counts: number[] = [Math.max(1, Math.ceil(distinct / B))];
  while (counts[0] > 1) counts.unshift(Math.ceil(counts[0] / B));
  const L = counts.length;

  // Payload (duplicates) and overflow (long strings), in key order.
  const payload = new ByteWriter(1024);
  const payloadAt = new Int32Array(distinct).fill(-1);
  const overflow = new ByteWriter(1024);
  const overflowAt = new Uint32Array(distinct);
  for (let g = 0; g < distinct; g++) {
    const n = groupStart[g + 1] - groupStart[g];
    if (n > 1) {
      payloadAt[g] = payload.length;
      const start = payload.length;
      payload.u32(0);
      payload.u32(n);
      for (let k = groupStart[g]; k < groupStart[g + 1]; k++) {
        payload.u32(refA[order[k]]);
        payload.u32(refB[order[k]]);
      }
      payload.setU32(start, checksum(payload.peek(), start + 4, payload.length));
    }
    const full = keys[g].full;
    if (full && full.length > w) {
      overflowAt[g] = overflow.length;
      overflow.u32(checksum(full));
      overflow.bytes(full);
    }
  }

  // Bloom over distinct keys.
  let bloomPages: Uint8Array | undefined;
  let bloomBlocks = 0;
  if (opts.bloom) {
    bloomBlocks = bloomBlocksFor(distinct, opts.bloomFpp ?? 0.01);
    const keys = Array.from({ length: distinct }, (_, g) => bloomBytes(type, values[order[groupStart[g]]]));
    const raw = bloomFilterBytes(keys, bloomBlocks, opts.bloomKernels);
    const bw = new ByteWriter(raw.length + 64);
    for (let p = 0; p * BLOOM_PAGE_BLOCKS < bloomBlocks; p++) {
      const page = raw.subarray(
        p * BLOOM_PAGE_BLOCKS * 32,
        Math.min(raw.length, (p + 1) * BLOOM_PAGE_BLOCKS * 32),
      );
      bw.u32(checksum(page));
      bw.bytes(page);
    }
    bloomPages = bw.finish();
  }

  // Histogram: equi-depth over features.
  const nb = Math.min(opts.histogramBuckets ?? 32, distinct);
  const hist: { g: number; count: number; distinct: number }[] = [];
  {
    let g0 = 0;
    for (let b = 0; b < nb; b++) {
      const target = Math.round(((b + 1) * order.length) / nb);
      let g = g0;
      while (g < distinct - 1 && groupStart[g + 1] < target) g++;
      if (b === nb - 1) g = distinct - 1;
      if (g < g0) continue;
      hist.push({ g, count: groupStart[g + 1] - groupStart[g0], distinct: g - g0 + 1 });
      g0 = g + 1;
      if (g0 >= distinct) break;
    }
  }

  // Header (fixed part, then variable part), written twice: once to size it.
  const leafSize = nodeSize(type, w, B, true);
  const innerSize = nodeSize(type, w, B, false);
  const writeHeader = (o: Record<string, number>): Uint8Array => {
    const h = new ByteWriter(256);
    h.u32(BTREE_MAGIC);
    h.u16(BTREE_VERSION);
    h.u8(KEY_TYPE_CODES[type]);
    h.u8(opts.bloom ? 1 : 0);
    h.u16(w);
    h.u16(B);
    h.u32(o.headerLength);
    h.u32(o.headLength);
    h.u64(distinct);
    h.u64(order.length);
    h.u16(L);
    h.u16(0);
    for (let l = 0; l < L; l++) {
      h.u32(counts[l]);
      h.u64(o[`level${l}`]);
    }
    h.u64(o.payloadOffset);
    h.u64(payload.length);
    h.u64(o.overflowOffset);
    h.u64(overflow.length);
    h.u64(o.bloomOffset);
    h.u64(bloomPages?.length ?? 0);
    h.u32(bloomBlocks);
    h.str16(name);
    const keyOut = (g: number) => {
      if (distinct === 0) {
        h.bytes(new Uint8Array(w));
        if (type === "string") h.u32(0);
        return;
      }
      h.bytes(keys[g].fixed);
      if (type === "string") h.u32((keys[g].full as Uint8Array).length);
    };
    keyOut(0);
    h.u16(hist.length);
    for (const b of hist) {
      keyOut(b.g);
      h.u64(b.count);
      h.u32(b.distinct);
    }
    h.u32(checksum(h.peek()));
    return h.finish();
  };
  const zero: Record<string, number> = {
    headerLength: 0,
    headLength: 0,
    payloadOffset: 0,
    overflowOffset: 0,
    bloomOffset: 0,
  };
  for (let l = 0; l < L; l++) zero[`level${l}`] = 0;
  const headerLength = writeHeader(zero).length;
  const o: Record<string, number> = { ...zero, headerLength };
  let pos = headerLength;
  const budget = opts.headBudget ?? 32768;
  const bloomInHead = bloomPages !== undefined && headerLength + bloomPages.length <= budget / 4;
  if (bloomInHead) {
    o.bloomOffset = pos;
    pos += (bloomPages as Uint8Array).length;
  }
  let head = pos;
  let headOpen = true;
  for (let l = 0; l < L; l++) {
    o[`level${l}`] = pos;
    pos += counts[l] * (l === L - 1 ? leafSize : innerSize);
    if (headOpen && pos <= budget) head = pos;
    else headOpen = false;
  }
  o.headLength = head;
  o.payloadOffset = pos;
  pos += payload.length;
  o.overflowOffset = pos;
  pos += overflow.length;
  if (bloomPages && !bloomInHead) {
    o.bloomOffset = pos;
    pos += bloomPages.length;
  }

  const out = new Uint8Array(pos);
  const dv = new DataView(out.buffer);
  out.set(writeHeader(o), 0);
  if (bloomPages) out.set(bloomPages, o.bloomOffset);
  out.set(payload.peek(), o.payloadOffset);
  out.set(overflow.peek(), o.overflowOffset);

  // Leaves.
  const le = leafEntrySize(type, w);
  const ie = internalEntrySize(type, w);
  // firstKey[l][j] = group index of the first key under node j of level l.
  let firsts: number[] = [];
  for (let j = 0; j < counts[L - 1]; j++) {
    const at = o[`level${L - 1}`] + j * leafSize;
    const n = Math.max(0, Math.min(B, distinct - j * B));
    dv.setUint16(at + 4, n, true);
    dv.setUint16(at + 6, 0, true);
    for (let e = 0; e < n; e++) {
      const g = j * B + e;
      let p = at + NODE_HEADER + e * le;
      out.set(keys[g].fixed, p);
      p += w;
      if (type === "string") {
        dv.setUint32(p, (keys[g].full as Uint8Array).length, true);
        dv.setUint32(p + 4, overflowAt[g], true);
        p += 8;
      }
      const cnt = groupStart[g + 1] - groupStart[g];
      dv.setUint32(p, cnt, true);
      if (cnt === 1) {
        dv.setUint32(p + 4, refA[order[groupStart[g]]], true);
        dv.setUint32(p + 8, refB[order[groupStart[g]]], true);
      } else {
        dv.setUint32(p + 4, payloadAt[g], true);
        dv.setUint32(p + 8, 0, true);
      }
    }
    dv.setUint32(at, checksum(out, at + 4, at + leafSize), true);
    firsts.push(j * B);
  }
  // Internal levels, bottom-up: entry i of node j = first key of child j·B + i.
  for (let l = L - 2; l >= 0; l--) {
    const next: number[] = [];
    for (let j = 0; j < counts[l]; j++) {
      const at = o[`level${l}`] + j * innerSize;
      const n = Math.min(B, firsts.length - j * B);
      dv.setUint16(at + 4, n, true);
      dv.setUint16(at + 6, L - 1 - l, true);
      for (let e = 0; e < n; e++) {
        const g = firsts[j * B + e];
        const p = at + NODE_HEADER + e * ie;
        out.set(keys[g].fixed, p);
        if (type === "string") dv.setUint32(p + w, (keys[g].full as Uint8Array).length, true);
      }
      dv.setUint32(at, checksum(out, at + 4, at + innerSize), true);
      next.push(firsts[j * B]);
    }
    firsts = next;
  }
  return out;
}

function comparator(
  type: KeyType,
  values: PropValue[],
  strBytes: (Uint8Array | undefined)[] | undefined,
): (a: number, b: number) => number {
  if (type === "string") {
    const s = strBytes as Uint8Array[];
    return (a, b) => compareBytes(s[a], s[b]) || a - b;
  }
  if (type === "i64")
    return (a, b) => {
      const x = values[a] as bigint;
      const y = values[b] as bigint;
      return x < y ? -1 : x > y ? 1 : a - b;
    };
  // Numbers: NaN (canonical) after everything; -0 was normalized to 0.
  return (a, b) => {
    const x = values[a] as number;
    const y = values[b] as number;
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn && yn ? a - b : xn ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : a - b;
  };
}

function sameKey(
  type: KeyType,
  values: PropValue[],
  strBytes: (Uint8Array | undefined)[] | undefined,
  a: number,
  b: number,
): boolean {
  if (type === "string") return compareBytes(strBytes?.[a] as Uint8Array, strBytes?.[b] as Uint8Array) === 0;
  const x = values[a];
  const y = values[b];
  if (typeof x === "number" && typeof y === "number" && Number.isNaN(x) && Number.isNaN(y)) return true;
  return x === y;
}

/** Blocks for `ndv` distinct keys at false-positive rate `fpp` (Parquet's sizing formula), a power of two. */
export function bloomBlocksFor(ndv: number, fpp: number): number {
  const bits = (-8 * Math.max(1, ndv)) / Math.log(1 - fpp ** (1 / 8));
  let blocks = 1;
  while (blocks * 256 < bits) blocks *= 2;
  return blocks;
}

/** The filter's bytes (little-endian words) over `keys`: through the core's kernels when given, else the JS twin. */
function bloomFilterBytes(keys: Uint8Array[], blocks: number, k?: BloomKernels): Uint8Array {
  if (k) {
    const mem = k.core.memory;
    const m = mem.mark();
    try {
      const batch = k.hashKeys(keys);
      const f = k.create(blocks);
      k.insert(f, batch);
      return k.bytes(f).slice();
    } finally {
      mem.release(m);
    }
  }
  const hashes = new Uint32Array(2 * keys.length);
  keys.forEach((key, g) => {
    const [lo, hi] = xxhash64Parts(key);
    hashes[2 * g] = lo;
    hashes[2 * g + 1] = hi;
  });
  const words = new Uint32Array(blocks * 8);
  sbbfInsertJs(words, 0, blocks, hashes, 0, keys.length);
  const raw = new Uint8Array(words.length * 4);
  const rv = new DataView(raw.buffer);
  for (let i = 0; i < words.length; i++) rv.setUint32(i * 4, words[i], true);
  return raw;
}
