/**
 * Byte shuffle / unshuffle specialised for 1-, 2- and 4-byte values, reading
 * and writing whole words (several times faster than a generic byte loop),
 * with an optional fused XOR against a reference (delta bricks). Output is
 * identical to src/core/filters shuffle/unshuffle/xorDelta.
 */

/** Word views assume a little-endian host (every current JS engine); elsewhere the byte loops run. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function words(b: Uint8Array, size: 2 | 4): Uint16Array | Uint32Array | undefined {
  if (!LITTLE_ENDIAN || b.byteOffset % size !== 0 || b.length % size !== 0) return undefined;
  return size === 4
    ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2)
    : new Uint16Array(b.buffer, b.byteOffset, b.length >>> 1);
}

/** dst = shuffle(src XOR ref) (ref optional). dst.length must equal src.length. */
export function shuffleBytes(src: Uint8Array, size: number, dst: Uint8Array, ref?: Uint8Array): Uint8Array {
  const n = (src.length / size) | 0;
  const s = size === 2 || size === 4 ? words(src, size) : undefined;
  const r = ref && (size === 2 || size === 4) ? words(ref, size) : undefined;
  if (size === 4 && s && (!ref || r)) {
    const w = s as Uint32Array;
    const rw = r as Uint32Array | undefined;
    for (let i = 0; i < n; i++) {
      const v = rw ? w[i] ^ rw[i] : w[i];
      dst[i] = v;
      dst[n + i] = v >>> 8;
      dst[2 * n + i] = v >>> 16;
      dst[3 * n + i] = v >>> 24;
    }
    return dst;
  }
  if (size === 2 && s && (!ref || r)) {
    const w = s as Uint16Array;
    const rw = r as Uint16Array | undefined;
    for (let i = 0; i < n; i++) {
      const v = rw ? w[i] ^ rw[i] : w[i];
      dst[i] = v;
      dst[n + i] = v >>> 8;
    }
    return dst;
  }
  for (let b = 0; b < size; b++) {
    const base = b * n;
    if (ref) for (let i = 0; i < n; i++) dst[base + i] = src[i * size + b] ^ ref[i * size + b];
    else for (let i = 0; i < n; i++) dst[base + i] = src[i * size + b];
  }
  return dst;
}

/** dst = unshuffle(src). dst.length must equal src.length. */
export function unshuffleBytes(src: Uint8Array, size: number, dst: Uint8Array): Uint8Array {
  const n = (src.length / size) | 0;
  const d = size === 2 || size === 4 ? words(dst, size) : undefined;
  if (size === 4 && d) {
    const w = d as Uint32Array;
    for (let i = 0; i < n; i++)
      w[i] = src[i] | (src[n + i] << 8) | (src[2 * n + i] << 16) | (src[3 * n + i] << 24);
    return dst;
  }
  if (size === 2 && d) {
    const w = d as Uint16Array;
    for (let i = 0; i < n; i++) w[i] = src[i] | (src[n + i] << 8);
    return dst;
  }
  for (let b = 0; b < size; b++) {
    const base = b * n;
    for (let i = 0; i < n; i++) dst[i * size + b] = src[base + i];
  }
  return dst;
}
