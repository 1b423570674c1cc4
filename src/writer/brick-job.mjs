// Per-brick encoding for the packer: delta gate, byte shuffle (optionally fused
// with the XOR delta), zstd, xxHash32 of the stored bytes. One implementation
// shared by the compression workers and the inline path, so a file's bytes do
// not depend on the worker count. Plain JavaScript so a worker thread loads it
// under any loader (tsx, vitest, plain node). Output equals src/core/filters
// shuffle/xorDelta and src/format/xxhash32; tests hold them together.

/** Word views assume a little-endian host (every current JS engine); elsewhere byte loops run. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encoding codes, as in src/format/constants. */
const SHUFFLE_ZSTD = 1;
const XOR_DELTA_SHUFFLE_ZSTD = 2;

let scratch = new Uint8Array(0);

function scratchOf(length) {
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  return scratch.subarray(0, length);
}

function aligned(b, size) {
  return LITTLE_ENDIAN && b.byteOffset % 4 === 0 && b.length % (4 * size) === 0;
}

/**
 * dst = shuffle(src XOR ref) (ref optional): all first bytes of each value, then
 * all second bytes, ... For 2- and 4-byte values on aligned input, four values
 * are gathered per step and each byte plane is written one word at a time.
 */
export function shuffleInto(src, size, dst, ref) {
  const n = (src.length / size) | 0;
  if (
    (size === 4 || size === 2) &&
    aligned(src, size) &&
    aligned(dst, size) &&
    (!ref || aligned(ref, size))
  ) {
    const s = new Uint32Array(src.buffer, src.byteOffset, src.length >>> 2);
    const r = ref ? new Uint32Array(ref.buffer, ref.byteOffset, ref.length >>> 2) : undefined;
    const d = new Uint32Array(dst.buffer, dst.byteOffset, dst.length >>> 2);
    if (size === 4) shuffle4(s, r, d, n >>> 2);
    else shuffle2(s, r, d, n >>> 2);
    return dst;
  }
  for (let b = 0; b < size; b++) {
    const base = b * n;
    if (ref) for (let i = 0; i < n; i++) dst[base + i] = src[i * size + b] ^ ref[i * size + b];
    else for (let i = 0; i < n; i++) dst[base + i] = src[i * size + b];
  }
  return dst;
}

/** q = values / 4 = words per plane. */
function shuffle4(s, r, d, q) {
  for (let j = 0, i = 0; j < q; j++, i += 4) {
    let a = s[i];
    let b = s[i + 1];
    let c = s[i + 2];
    let e = s[i + 3];
    if (r) {
      a ^= r[i];
      b ^= r[i + 1];
      c ^= r[i + 2];
      e ^= r[i + 3];
    }
    d[j] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (e << 24);
    d[q + j] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c << 8) & 0xff0000) | ((e << 16) & 0xff000000);
    d[2 * q + j] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((e << 8) & 0xff000000);
    d[3 * q + j] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (e & 0xff000000);
  }
}

/** Two words hold four 2-byte values; q = values / 4 = words per plane. */
function shuffle2(s, r, d, q) {
  for (let j = 0, i = 0; j < q; j++, i += 2) {
    let a = s[i];
    let b = s[i + 1];
    if (r) {
      a ^= r[i];
      b ^= r[i + 1];
    }
    d[j] = (a & 0xff) | ((a >>> 8) & 0xff00) | ((b & 0xff) << 16) | ((b << 8) & 0xff000000);
    d[q + j] = ((a >>> 8) & 0xff) | ((a >>> 16) & 0xff00) | ((b << 8) & 0xff0000) | (b & 0xff000000);
  }
}

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x, r) {
  return (x << r) | (x >>> (32 - r));
}

/** xxHash32 with seed 0, reading 32-bit words when the bytes are 4-aligned. */
export function xxhash32Words(b) {
  const len = b.length;
  let i = 0;
  let h;
  if (len >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2 | 0;
    let v3 = 0;
    let v4 = -P1 | 0;
    const stripes = len >>> 4;
    if (LITTLE_ENDIAN && b.byteOffset % 4 === 0) {
      const w = new Uint32Array(b.buffer, b.byteOffset, stripes * 4);
      for (let k = 0; k < w.length; k += 4) {
        v1 = Math.imul(rotl((v1 + Math.imul(w[k], P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(w[k + 1], P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(w[k + 2], P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(w[k + 3], P2)) | 0, 13), P1);
      }
      i = stripes * 16;
    } else {
      for (; i + 16 <= len; i += 16) {
        v1 = Math.imul(rotl((v1 + Math.imul(lane(b, i), P2)) | 0, 13), P1);
        v2 = Math.imul(rotl((v2 + Math.imul(lane(b, i + 4), P2)) | 0, 13), P1);
        v3 = Math.imul(rotl((v3 + Math.imul(lane(b, i + 8), P2)) | 0, 13), P1);
        v4 = Math.imul(rotl((v4 + Math.imul(lane(b, i + 12), P2)) | 0, 13), P1);
      }
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(lane(b, i), P3)) | 0, 17), P4);
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

function lane(b, i) {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/** Bricks below this size try the delta outright: the gate would cost about as much. */
const GATE_MIN_BYTES = 1 << 16;
/** At most this fraction of 32-bit words changed: try the delta outright (sparse change). */
const GATE_SPARSE = 0.5;
/** Otherwise compress GATE_CHUNKS spread chunks, 1/GATE_SAMPLE of the brick, both ways... */
const GATE_CHUNKS = 8;
const GATE_SAMPLE = 8;
/** ...and try the full delta when its sample is at most this fraction of the plain sample. */
const GATE_RATIO = 0.8;
let gateCur = new Uint8Array(0);
let gateRef = new Uint8Array(0);
let gateShuf = new Uint8Array(0);

/** Whether at most `limit` 32-bit words (or bytes, unaligned) of a and b differ. */
function fewChanged(a, b, limit) {
  let changed = 0;
  if (LITTLE_ENDIAN && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length >>> 2);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && ++changed > limit) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && ++changed > limit * 4) return false;
  return true;
}

/**
 * Whether an XOR-delta brick is worth compressing in full. Compressing both
 * forms of every changed brick would nearly halve packing speed. Sparse
 * changes (most words equal) are tried outright; otherwise a sample of spread
 * chunks is compressed both ways, about a quarter of one compression.
 * (Order-0 entropy of the byte planes, a cheaper estimate, misjudges smooth
 * float fields: XOR zeroes the exponent plane, which zstd already compresses
 * to almost nothing, so it predicted savings that never came.)
 */
export function deltaWorthTrying(cur, ref, size, compress) {
  if (cur.length < GATE_MIN_BYTES) return true;
  if (fewChanged(cur, ref, (cur.length >>> 2) * GATE_SPARSE)) return true;
  const n = (cur.length / size) | 0;
  // Chunk lengths in multiples of 4 values keep the sample word-aligned for the fast shuffle.
  const chunk = Math.floor(n / (GATE_CHUNKS * GATE_SAMPLE)) & ~3;
  const bytes = chunk * size;
  const total = bytes * GATE_CHUNKS;
  if (gateCur.length < total) {
    gateCur = new Uint8Array(total);
    gateRef = new Uint8Array(total);
    gateShuf = new Uint8Array(total);
  }
  const c = gateCur.subarray(0, total);
  const r = gateRef.subarray(0, total);
  for (let k = 0; k < GATE_CHUNKS; k++) {
    const from = Math.floor(((k + 0.5) * n) / GATE_CHUNKS - chunk / 2) * size;
    c.set(cur.subarray(from, from + bytes), k * bytes);
    r.set(ref.subarray(from, from + bytes), k * bytes);
  }
  const buf = gateShuf.subarray(0, total);
  const plain = compress(shuffleInto(c, size, buf)).length;
  const delta = compress(shuffleInto(c, size, buf, r)).length;
  return delta <= plain * GATE_RATIO;
}

/** An exactly sized copy in its own buffer (a Node Buffer's slice would be a view). */
function copy(bytes) {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Encode one brick. `job.cur` holds the values' bytes; `job.ref` the same brick
 * one timestep earlier when a delta may be tried. `compress(bytes)` returns the
 * zstd frame, possibly a view of a buffer it reuses (it is copied here).
 * Returns the stored bytes (exactly sized, own buffer), encoding and checksum;
 * with `job.keepPlain`, a chosen delta also carries the plain form (the caller
 * may learn only later that the delta chain is full).
 */
export function encodeBrick(job, compress) {
  const { cur, ref, size, keepRatio, keepPlain } = job;
  const shuf = scratchOf(cur.length);
  const plain = copy(compress(shuffleInto(cur, size, shuf)));
  if (ref && deltaWorthTrying(cur, ref, size, compress)) {
    const delta = compress(shuffleInto(cur, size, shuf, ref));
    if (delta.length <= plain.length * keepRatio) {
      const stored = copy(delta);
      const out = { stored, encoding: XOR_DELTA_SHUFFLE_ZSTD, checksum: xxhash32Words(stored) };
      if (keepPlain) out.plain = { stored: plain, checksum: xxhash32Words(plain) };
      return out;
    }
  }
  return { stored: plain, encoding: SHUFFLE_ZSTD, checksum: xxhash32Words(plain) };
}
