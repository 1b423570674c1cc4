/**
 * Split-block Bloom filter with the Parquet layout: 256-bit blocks of eight
 * little-endian u32 words, the eight Parquet salts, block chosen by the upper
 * 32 bits of an xxHash64, bits by the lower 32. Plain JS; the index writer
 * and reader use it through the small `BloomFilter` interface so a faster
 * kernel can replace it.
 */
export interface BloomFilter {
  insert(hash: bigint): void;
  mightContain(hash: bigint): boolean;
}

const SALT = new Uint32Array([
  0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
]);

/** Block index for a hash among `numBlocks` (Parquet: ((hash >> 32) * numBlocks) >> 32). */
export function blockIndex(hash: bigint, numBlocks: number): number {
  return Number(((hash >> 32n) * BigInt(numBlocks)) >> 32n);
}

export class Sbbf implements BloomFilter {
  /** numBlocks × 8 words. */
  readonly words: Uint32Array;
  readonly numBlocks: number;

  constructor(numBlocks: number, words?: Uint32Array) {
    this.numBlocks = Math.max(1, numBlocks);
    this.words = words ?? new Uint32Array(this.numBlocks * 8);
  }

  /** Blocks for `ndv` distinct values at false-positive rate `fpp` (Parquet's sizing formula), power of two. */
  static forCount(ndv: number, fpp = 0.01): Sbbf {
    const bits = (-8 * Math.max(1, ndv)) / Math.log(1 - fpp ** (1 / 8));
    let blocks = 1;
    while (blocks * 256 < bits) blocks *= 2;
    return new Sbbf(blocks);
  }

  insert(hash: bigint): void {
    insertBlock(this.words, blockIndex(hash, this.numBlocks) * 8, Number(hash & 0xffffffffn));
  }

  mightContain(hash: bigint): boolean {
    return checkBlock(this.words, blockIndex(hash, this.numBlocks) * 8, Number(hash & 0xffffffffn));
  }
}

export function insertBlock(words: Uint32Array, at: number, key: number): void {
  for (let i = 0; i < 8; i++) words[at + i] |= 1 << (Math.imul(key, SALT[i]) >>> 27);
}

export function checkBlock(words: Uint32Array, at: number, key: number): boolean {
  for (let i = 0; i < 8; i++)
    if ((words[at + i] & (1 << (Math.imul(key, SALT[i]) >>> 27))) === 0) return false;
  return true;
}

/** Blocks as little-endian bytes (Parquet's on-disk bitset). */
export function serializeBlocks(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) dv.setUint32(i * 4, words[i], true);
  return out;
}

export function deserializeBlocks(bytes: Uint8Array): Uint32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(i * 4, true);
  return words;
}
