/**
 * xxHash64 in JS (BigInt). The WASM core hashes in bulk with native u64;
 * this is the twin and the fallback, and what one-off callers use.
 */
const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) & M) + P4;

function u64At(b: Uint8Array, p: number): bigint {
  const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  return BigInt(lo) | (BigInt(u32At(b, p + 4)) << 32n);
}

function u32At(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** xxHash64 of `bytes` with `seed` (Parquet bloom filters use seed 0). */
export function xxhash64(bytes: Uint8Array, seed = 0n): bigint {
  const len = bytes.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M;
    let v2 = (seed + P2) & M;
    let v3 = seed & M;
    let v4 = (seed - P1) & M;
    while (p + 32 <= len) {
      v1 = round(v1, u64At(bytes, p));
      v2 = round(v2, u64At(bytes, p + 8));
      v3 = round(v3, u64At(bytes, p + 16));
      v4 = round(v4, u64At(bytes, p + 24));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1) & M;
    h = merge(h, v2) & M;
    h = merge(h, v3) & M;
    h = merge(h, v4) & M;
  } else {
    h = (seed + P5) & M;
  }
  h = (h + BigInt(len)) & M;
  while (p + 8 <= len) {
    h ^= round(0n, u64At(bytes, p));
    h = ((rotl(h, 27n) * P1) & M) + P4;
    h &= M;
    p += 8;
  }
  if (p + 4 <= len) {
    h ^= (BigInt(u32At(bytes, p)) * P1) & M;
    h = (((rotl(h, 23n) * P2) & M) + P3) & M;
    p += 4;
  }
  while (p < len) {
    h ^= (BigInt(bytes[p]) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
    p++;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

/** The hash as [low 32 bits, high 32 bits]. */
export function xxhash64Parts(bytes: Uint8Array): [number, number] {
  const h = xxhash64(bytes);
  return [Number(h & 0xffffffffn), Number(h >> 32n)];
}
