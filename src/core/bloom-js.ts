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

/** Bit `k` of a key's block mask: one bit per word, from the low hash word and the word's salt. */
function bit(lo: number, k: number): number {
  return 1 << (Math.imul(lo, SBBF_SALTS[k]) >>> 27);
}

/** A filter (its first word in `words`, its block count) and `n` (low, high) hash pairs from `hashWord` on. */
type SbbfRun = [
  words: Uint32Array,
  filterWord: number,
  numBlocks: number,
  hashes: Uint32Array,
  hashWord: number,
  n: number,
];

export function sbbfInsertJs(...run: SbbfRun): void {
  const [words, filterWord, numBlocks, hashes, hashWord, n] = run;
  for (let i = 0; i < n; i++) {
    const lo = hashes[hashWord + 2 * i];
    const b = filterWord + blockIndex(hashes[hashWord + 2 * i + 1], numBlocks) * 8;
    for (let k = 0; k < 8; k++) words[b + k] |= bit(lo, k);
  }
}

/** out[i] = 1 if hash i may be in the filter; returns the number of 1s. */
export function sbbfProbeJs(...args: [...SbbfRun, out: Uint8Array, outIndex: number]): number {
  const [words, filterWord, numBlocks, hashes, hashWord, n, out, outIndex] = args;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const lo = hashes[hashWord + 2 * i];
    const b = filterWord + blockIndex(hashes[hashWord + 2 * i + 1], numBlocks) * 8;
    let miss = 0;
    for (let k = 0; k < 8; k++) miss |= bit(lo, k) & ~words[b + k];
    const r = miss === 0 ? 1 : 0;
    out[outIndex + i] = r;
    hits += r;
  }
  return hits;
}
