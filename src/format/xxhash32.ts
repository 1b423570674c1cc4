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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** xxHash32 of `bytes` with `seed`; returns an unsigned 32-bit integer. */
export function xxhash32(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const b = bytes;
  const dv = new DataView(b.buffer, b.byteOffset, len);
  let i = 0;
  let h: number;
  const shift = (b.byteOffset & 3) * 8;
  const base = b.byteOffset & ~3;
  // Stripes whose lanes can be read as whole words of the underlying buffer
  // (unaligned: two words per lane, the next one included, so it must exist).
  const fast =
    len >= 16 && LITTLE_ENDIAN
      ? Math.min(len >>> 4, Math.floor((b.buffer.byteLength - base - (shift ? 4 : 0)) / 16))
      : 0;
  if (fast > 0) {
    // Little-endian engine: each lane is one 32-bit load when aligned, else two words spliced.
    const w = new Int32Array(b.buffer, base, (b.buffer.byteLength - base) >>> 2);
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    if (shift === 0) {
      for (let k = 0, j = 0; k < fast; k++, j += 4) {
        v1 = round(v1, w[j]);
        v2 = round(v2, w[j + 1]);
        v3 = round(v3, w[j + 2]);
        v4 = round(v4, w[j + 3]);
      }
    } else {
      const back = 32 - shift;
      for (let k = 0, j = 0; k < fast; k++, j += 4) {
        v1 = round(v1, (w[j] >>> shift) | (w[j + 1] << back));
        v2 = round(v2, (w[j + 1] >>> shift) | (w[j + 2] << back));
        v3 = round(v3, (w[j + 2] >>> shift) | (w[j + 3] << back));
        v4 = round(v4, (w[j + 3] >>> shift) | (w[j + 4] << back));
      }
    }
    i = fast << 4;
    // Stripes too close to the buffer's end for word loads, byte by byte.
    const limit = len - 16;
    while (i <= limit) {
      v1 = round(v1, b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
      v2 = round(v2, b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24));
      v3 = round(v3, b[i + 8] | (b[i + 9] << 8) | (b[i + 10] << 16) | (b[i + 11] << 24));
      v4 = round(v4, b[i + 12] | (b[i + 13] << 8) | (b[i + 14] << 16) | (b[i + 15] << 24));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = len - 16;
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
