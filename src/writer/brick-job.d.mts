/** Types of brick-job.mjs (plain JavaScript so worker threads load it under any loader). */
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
  /** 1 = shuffle + zstd, 2 = xor-delta + shuffle + zstd. */
  encoding: 1 | 2;
  /** xxHash32 of `stored`. */
  checksum: number;
  /** The plain form, when a delta was chosen and the job asked for it. */
  plain?: { stored: Uint8Array; checksum: number };
}

export function shuffleInto(src: Uint8Array, size: number, dst: Uint8Array, ref?: Uint8Array): Uint8Array;
export function xxhash32Words(bytes: Uint8Array): number;
export function deltaWorthTrying(
  cur: Uint8Array,
  ref: Uint8Array,
  size: number,
  compress: (bytes: Uint8Array) => Uint8Array,
): boolean;
export function encodeBrick(job: BrickJob, compress: (bytes: Uint8Array) => Uint8Array): EncodedBrick;
