/**
 * xxHash32 (Yann Collet's non-cryptographic hash), pure JS. Used for every
 * checksum in the format: fast in JS because all arithmetic stays in 32-bit
 * integers (Math.imul), and it needs no tables or WASM. Lanes are read through
 * a DataView (little-endian, any alignment): about 4× the rate of assembling
 * each lane from four byte loads.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, P2)) | 0;
  return Math.imul(rotl(acc, 13), P1);
}

/** Word reads assume a little-endian host (every current JS engine); elsewhere bytes are assembled. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * xxHash32 of `bytes` with `seed`; returns an unsigned 32-bit integer. The
 * 16-byte stripes are read as 32-bit words when the bytes are 4-aligned.
 */
export function xxhash32(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const b = bytes;
  const dv = new DataView(b.buffer, b.byteOffset, len);
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = len - 16;
    if (LITTLE_ENDIAN && b.byteOffset % 4 === 0) {
      const w = new Uint32Array(b.buffer, b.byteOffset, (len >>> 4) * 4);
      for (let k = 0; k < w.length; k += 4) {
        v1 = round(v1, w[k]);
        v2 = round(v2, w[k + 1]);
        v3 = round(v3, w[k + 2]);
        v4 = round(v4, w[k + 3]);
      }
      i = w.length * 4;
    }
    while (i <= limit) {
      v1 = round(v1, dv.getInt32(i, true));
      v2 = round(v2, dv.getInt32(i + 4, true));
      v3 = round(v3, dv.getInt32(i + 8, true));
      v4 = round(v4, dv.getInt32(i + 12, true));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    const lane = dv.getInt32(i, true);
    h = Math.imul(rotl((h + Math.imul(lane, P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < len) {
    h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
