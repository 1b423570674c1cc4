/**
 * Byte layout shared by the attribute B+tree writer and reader (see
 * docs/FORMAT.md §14.5). All offsets are relative to the start of the index blob.
 */
import type { KeyType } from "./key-codec";

export const BTREE_MAGIC = 0x42585646; // "FVXB" little-endian
export const BTREE_VERSION = 1;
export const NODE_HEADER = 8; // u32 crc, u16 count, u16 level
export const BLOOM_PAGE_BLOCKS = 128; // 4 KiB of filter per checksummed page
export const KEY_TYPE_CODES: Record<KeyType, number> = {
  u32: 1,
  i64: 2,
  f32: 3,
  f64: 4,
  string: 5,
  datetime: 6,
};
export const KEY_TYPE_NAMES: KeyType[] = ["u32", "u32", "i64", "f32", "f64", "string", "datetime"];

export interface BTreeLevel {
  nodeCount: number;
  offset: number;
}

export interface BTreeHeader {
  name: string;
  type: KeyType;
  keyWidth: number;
  nodeCapacity: number;
  headerLength: number;
  headLength: number;
  distinctCount: number;
  featureCount: number;
  levels: BTreeLevel[];
  payloadOffset: number;
  payloadLength: number;
  overflowOffset: number;
  overflowLength: number;
  bloomOffset: number;
  bloomLength: number;
  bloomBlocks: number;
  histogram: HistogramBucket[];
  /** Smallest key (fixed part, plus full length for strings). */
  minKey: Uint8Array;
  minLen: number;
}

export interface HistogramBucket {
  /** Largest key in the bucket (fixed part). */
  upper: Uint8Array;
  upperLen: number;
  /** Features (with duplicates) and distinct keys in the bucket. */
  count: number;
  distinct: number;
}

/** Bytes per internal entry: the fixed key, plus the full length for strings. */
export function internalEntrySize(type: KeyType, w: number): number {
  return w + (type === "string" ? 4 : 0);
}

/** Bytes per leaf entry: key, [string length + overflow offset], count, ref a, ref b. */
export function leafEntrySize(type: KeyType, w: number): number {
  return w + (type === "string" ? 8 : 0) + 12;
}

export function nodeSize(type: KeyType, w: number, cap: number, leaf: boolean): number {
  return NODE_HEADER + cap * (leaf ? leafEntrySize(type, w) : internalEntrySize(type, w));
}
