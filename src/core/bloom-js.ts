/**
 * JS twin of the SBBF kernels (the "plain JS" baseline too). Filters are
 * Uint32Array words, 8 per 256-bit block; hashes are (low, high) u32 pairs,
 * the little-endian layout of a u64 array.
 */
export const SBBF_SALTS = new Uint32Array([
  0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
]);

/** Block index = (high × numBlocks) >> 32, exact for any block count. */
export function blockIndex(hi: number, numBlocks: number): number {
  if (numBlocks <= 0x200000) return Math.floor((hi * numBlocks) / 4294967296);
  const a = (hi >>> 16) * numBlocks;
  const b = (hi & 0xffff) * numBlocks;
  return Math.floor((a + Math.floor(b / 65536)) / 65536);
}

export function sbbfInsertJs(
  words: Uint32Array,
  filterWord: number,
  numBlocks: number,
  hashes: Uint32Array,
  hashWord: number,
  n: number,
): void {
  const s0 = SBBF_SALTS[0],
    s1 = SBBF_SALTS[1],
    s2 = SBBF_SALTS[2],
    s3 = SBBF_SALTS[3];
  const s4 = SBBF_SALTS[4],
    s5 = SBBF_SALTS[5],
    s6 = SBBF_SALTS[6],
    s7 = SBBF_SALTS[7];
  for (let i = 0; i < n; i++) {
    const lo = hashes[hashWord + 2 * i];
    const b = filterWord + blockIndex(hashes[hashWord + 2 * i + 1], numBlocks) * 8;
    words[b] |= 1 << (Math.imul(lo, s0) >>> 27);
    words[b + 1] |= 1 << (Math.imul(lo, s1) >>> 27);
    words[b + 2] |= 1 << (Math.imul(lo, s2) >>> 27);
    words[b + 3] |= 1 << (Math.imul(lo, s3) >>> 27);
    words[b + 4] |= 1 << (Math.imul(lo, s4) >>> 27);
    words[b + 5] |= 1 << (Math.imul(lo, s5) >>> 27);
    words[b + 6] |= 1 << (Math.imul(lo, s6) >>> 27);
    words[b + 7] |= 1 << (Math.imul(lo, s7) >>> 27);
  }
}

/** out[i] = 1 if hash i may be in the filter; returns the number of 1s. */
export function sbbfProbeJs(
  words: Uint32Array,
  filterWord: number,
  numBlocks: number,
  hashes: Uint32Array,
  hashWord: number,
  n: number,
  out: Uint8Array,
  outIndex: number,
): number {
  const s0 = SBBF_SALTS[0],
    s1 = SBBF_SALTS[1],
    s2 = SBBF_SALTS[2],
    s3 = SBBF_SALTS[3];
  const s4 = SBBF_SALTS[4],
    s5 = SBBF_SALTS[5],
    s6 = SBBF_SALTS[6],
    s7 = SBBF_SALTS[7];
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const lo = hashes[hashWord + 2 * i];
    const b = filterWord + blockIndex(hashes[hashWord + 2 * i + 1], numBlocks) * 8;
    const miss =
      ((1 << (Math.imul(lo, s0) >>> 27)) & ~words[b]) |
      ((1 << (Math.imul(lo, s1) >>> 27)) & ~words[b + 1]) |
      ((1 << (Math.imul(lo, s2) >>> 27)) & ~words[b + 2]) |
      ((1 << (Math.imul(lo, s3) >>> 27)) & ~words[b + 3]) |
      ((1 << (Math.imul(lo, s4) >>> 27)) & ~words[b + 4]) |
      ((1 << (Math.imul(lo, s5) >>> 27)) & ~words[b + 5]) |
      ((1 << (Math.imul(lo, s6) >>> 27)) & ~words[b + 6]) |
      ((1 << (Math.imul(lo, s7) >>> 27)) & ~words[b + 7]);
    const r = miss === 0 ? 1 : 0;
    out[outIndex + i] = r;
    hits += r;
  }
  return hits;
}
