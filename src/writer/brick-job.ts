/**
 * Per-brick encoding for the packer: delta gate, byte shuffle (optionally
 * fused with the XOR delta), zstd, xxHash32 of the stored bytes. One
 * implementation shared by the compression workers and the inline path; the
 * filters run on the core's kernels or their JS twins (core/byte-filters.ts),
 * so a file's bytes depend neither on the worker count nor on the kernels.
 */
import { type ByteFilters, jsByteFilters } from "../core/byte-filters";
import { Encoding } from "../format/constants";
import { FlatvoxError } from "../shared/errors";
import type { DType, TypedArray, Vec3 } from "../shared/types";

export interface BrickJob {
  /** The brick's values as little-endian bytes. */
  cur: Uint8Array;
  /** The same brick one timestep earlier, when a delta may be tried. */
  ref?: Uint8Array;
  /** Bytes per value. */
  size: number;
  /** A delta is kept only when at most this fraction of the plain encoding. */
  keepRatio: number;
  /** When a delta is chosen, return the plain form too. */
  keepPlain?: boolean;
}

export interface EncodedBrick {
  /** Stored bytes: exactly sized, in their own buffer. */
  stored: Uint8Array;
  encoding: typeof Encoding.SHUFFLE_ZSTD | typeof Encoding.XOR_DELTA_SHUFFLE_ZSTD;
  /** xxHash32 of `stored`. */
  checksum: number;
  /** The plain form, when a delta was chosen and the job asked for it. */
  plain?: { stored: Uint8Array; checksum: number };
}

/** zstd of the bytes; may return a view of a buffer it reuses (encodeBrick copies what it keeps). */
export type FrameCompress = (bytes: Uint8Array) => Uint8Array;

/** Word views assume a little-endian host (every current JS engine); elsewhere byte loops run. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
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

/** Whether at most `limit` 32-bit words (or bytes, unaligned) of a and b differ. */
function fewChanged(a: Uint8Array, b: Uint8Array, limit: number): boolean {
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
export function deltaWorthTrying(
  cur: Uint8Array,
  ref: Uint8Array,
  size: number,
  compress: FrameCompress,
  filters: ByteFilters = defaultFilters(),
): boolean {
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
  }
  const c = gateCur.subarray(0, total);
  const r = gateRef.subarray(0, total);
  for (let k = 0; k < GATE_CHUNKS; k++) {
    const from = Math.floor(((k + 0.5) * n) / GATE_CHUNKS - chunk / 2) * size;
    c.set(cur.subarray(from, from + bytes), k * bytes);
    r.set(ref.subarray(from, from + bytes), k * bytes);
  }
  const plain = compress(filters.shuffle(c, size)).length;
  const delta = compress(filters.shuffle(c, size, r)).length;
  return delta <= plain * GATE_RATIO;
}

let jsFilters: ByteFilters | undefined;
function defaultFilters(): ByteFilters {
  jsFilters ??= jsByteFilters();
  return jsFilters;
}

/** An exactly sized copy in its own buffer (a Node Buffer's slice would be a view). */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Encode one brick. `job.cur` holds the values' bytes; `job.ref` the same brick
 * one timestep earlier when a delta may be tried. Returns the stored bytes
 * (exactly sized, own buffer), encoding and checksum; with `job.keepPlain`, a
 * chosen delta also carries the plain form (the caller may learn only later
 * that the delta chain is full).
 */
export function encodeBrick(
  job: BrickJob,
  compress: FrameCompress,
  filters: ByteFilters = defaultFilters(),
): EncodedBrick {
  const { cur, ref, size, keepRatio, keepPlain } = job;
  if (ref && ref.length !== cur.length)
    throw new FlatvoxError("InputError", `reference brick has ${ref.length} bytes, the brick ${cur.length}`);
  const plain = copy(compress(filters.shuffle(cur, size)));
  if (ref && deltaWorthTrying(cur, ref, size, compress, filters)) {
    const delta = compress(filters.shuffle(cur, size, ref));
    if (delta.length <= plain.length * keepRatio) {
      const stored = copy(delta);
      const out: EncodedBrick = {
        stored,
        encoding: Encoding.XOR_DELTA_SHUFFLE_ZSTD,
        checksum: filters.checksum(stored),
      };
      if (keepPlain) out.plain = { stored: plain, checksum: filters.checksum(plain) };
      return out;
    }
  }
  return { stored: plain, encoding: Encoding.SHUFFLE_ZSTD, checksum: filters.checksum(plain) };
}

/**
 * One 2×2×2 step of the LOD pyramid (the core's kernel, or its JS twin), its
 * result copied into a buffer of its own (the kernel's may live in WASM
 * memory) so it can be transferred. Shared by the workers and the inline path.
 */
export function downsampleToBuffer(
  filters: ByteFilters,
  src: TypedArray,
  dims: Vec3,
  dtype: DType,
  kind: "mean" | "mode",
): ArrayBuffer {
  if (src.length !== dims[0] * dims[1] * dims[2]) {
    throw new FlatvoxError(
      "InputError",
      `downsample of ${dims.join("×")} ${dtype} values was given ${src.length} values`,
    );
  }
  const out = filters.downsample(src, dims, dtype, kind);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice().buffer;
}
