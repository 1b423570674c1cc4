/**
 * Split-block bloom filters, bit-compatible with Parquet's SBBF: 256-bit
 * blocks of eight little-endian u32 words, xxHash64 (seed 0) of the key
 * bytes, block = ((hash >>> 32) × numBlocks) >>> 32, one bit per word from
 * (low32 × salt[i]) >>> 27. Filters and hashes live in core memory.
 */
import { FlatvoxError } from "../shared/errors";
import type { Core, CoreOptions, Implementation } from "./core";
import { resolveCore } from "./resolve-core";

export interface SbbfHandle {
  /** Byte offset of the filter in core memory. */
  ptr: number;
  numBlocks: number;
  byteLength: number;
}

/** `count` u64 hashes at `ptr` (little-endian, as (low, high) u32 pairs). */
export interface HashBatch {
  ptr: number;
  count: number;
}

export interface BloomKernels {
  implementation: Implementation;
  core: Core;
  /** A zeroed filter of `numBlocks` blocks. */
  create(numBlocks: number): SbbfHandle;
  /** A filter from its serialized bytes (a multiple of 32). */
  load(bytes: Uint8Array): SbbfHandle;
  /** View of the filter's bytes (re-take after any allocation). */
  bytes(filter: SbbfHandle): Uint8Array;
  /** Hash keys (strings as UTF-8) into core memory. */
  hashKeys(keys: ReadonlyArray<string | Uint8Array>): HashBatch;
  /** Copy hashes given as (low, high) u32 pairs into core memory. */
  putHashes(pairs: Uint32Array): HashBatch;
  /** View of a batch as (low, high) pairs. */
  hashView(batch: HashBatch): Uint32Array;
  insert(filter: SbbfHandle, batch: HashBatch): void;
  /** Probe into `outPtr` (count bytes, 1 = maybe present); returns the number of 1s. */
  probeInto(filter: SbbfHandle, batch: HashBatch, outPtr: number): number;
  /** Probe and return a copy of the results. */
  probe(filter: SbbfHandle, batch: HashBatch): Uint8Array;
  /** xxHash64 (seed 0) of one key as its (low, high) u32 halves; core memory is left as it was. */
  hashOne(key: Uint8Array): [number, number];
  /** Whether hash (lo, hi) may be in the single 32-byte block `block`; core memory is left as it was. */
  probeBlock(block: Uint8Array, lo: number, hi: number): boolean;
}

export const SBBF_BLOCK_BYTES = 32;

/** Blocks for `keys` keys at `bitsPerKey` bits each (at least one block). */
export function sbbfBlocksForKeys(keys: number, bitsPerKey: number): number {
  if (!(keys >= 0) || !(bitsPerKey > 0))
    throw new FlatvoxError("InputError", `bad bloom sizing ${keys} keys, ${bitsPerKey} bits/key`);
  return Math.max(1, Math.ceil((keys * bitsPerKey) / 256));
}

/**
 * Expected false-positive rate of an SBBF with `bitsPerKey`: block loads are
 * Poisson with mean 256 / bitsPerKey; a key with i others in its block is a
 * false positive when each of its 8 words has its bit set: (1 − (31/32)^i)^8.
 */
export function sbbfFalsePositiveRate(bitsPerKey: number): number {
  const lambda = 256 / bitsPerKey;
  let p = Math.exp(-lambda);
  let sum = 0;
  for (let i = 0; i < 2000; i++) {
    if (i > 0) p *= lambda / i;
    sum += p * (1 - (31 / 32) ** i) ** 8;
    if (i > lambda && p < 1e-18) break;
  }
  return sum;
}

const encoder = new TextEncoder();

export async function createBloom(core?: Core | CoreOptions): Promise<BloomKernels> {
  const c = await resolveCore(core);
  const { memory, ops } = c;
  const make = (numBlocks: number): SbbfHandle => {
    if (!Number.isInteger(numBlocks) || numBlocks < 1 || numBlocks > 2 ** 26)
      throw new FlatvoxError("InputError", `bloom filter block count ${numBlocks} out of range`);
    const byteLength = numBlocks * SBBF_BLOCK_BYTES;
    return { ptr: memory.alloc(byteLength), numBlocks, byteLength };
  };
  const k: BloomKernels = {
    implementation: c.implementation,
    core: c,
    create(numBlocks) {
      const f = make(numBlocks);
      memory.views().u8.fill(0, f.ptr, f.ptr + f.byteLength);
      return f;
    },
    load(bytes) {
      if (bytes.length === 0 || bytes.length % SBBF_BLOCK_BYTES !== 0)
        throw new FlatvoxError(
          "IndexError",
          `bloom filter of ${bytes.length} bytes is not whole 32-byte blocks`,
          {
            length: bytes.length,
            section: "bloom",
          },
        );
      const f = make(bytes.length / SBBF_BLOCK_BYTES);
      memory.views().u8.set(bytes, f.ptr);
      return f;
    },
    bytes: (f) => memory.views().u8.subarray(f.ptr, f.ptr + f.byteLength),
    hashKeys(keys) {
      const encoded = keys.map((key) => (typeof key === "string" ? encoder.encode(key) : key));
      const total = encoded.reduce((s, e) => s + e.length, 0);
      const m = memory.mark();
      const data = memory.alloc(total);
      const offsets = memory.alloc(4 * (keys.length + 1));
      const out = memory.alloc(8 * keys.length);
      const v = memory.views();
      let o = 0;
      for (let i = 0; i < encoded.length; i++) {
        v.u32[(offsets >> 2) + i] = o;
        v.u8.set(encoded[i], data + o);
        o += encoded[i].length;
      }
      v.u32[(offsets >> 2) + encoded.length] = o;
      ops.hashKeys(data, offsets, keys.length, out);
      // Keep the hashes, drop the key bytes: move them down to the mark.
      v.u8.copyWithin(m, out, out + 8 * keys.length);
      memory.release(m);
      return { ptr: memory.alloc(8 * keys.length), count: keys.length };
    },
    putHashes(pairs) {
      if (pairs.length % 2 !== 0) throw new FlatvoxError("InputError", "hash pairs must have even length");
      return { ptr: memory.copyIn(pairs), count: pairs.length / 2 };
    },
    hashView: (b) => memory.views().u32.subarray(b.ptr >> 2, (b.ptr >> 2) + 2 * b.count),
    insert(f, b) {
      ops.sbbfInsert(f.ptr, f.numBlocks, b.ptr, b.count);
    },
    probeInto(f, b, outPtr) {
      return ops.sbbfProbe(f.ptr, f.numBlocks, b.ptr, b.count, outPtr);
    },
    probe(f, b) {
      const m = memory.mark();
      const out = memory.alloc(b.count);
      ops.sbbfProbe(f.ptr, f.numBlocks, b.ptr, b.count, out);
      const r = memory.views().u8.slice(out, out + b.count);
      memory.release(m);
      return r;
    },
    hashOne(key) {
      const m = memory.mark();
      const v = k.hashView(k.hashKeys([key]));
      const r: [number, number] = [v[0], v[1]];
      memory.release(m);
      return r;
    },
    probeBlock(block, lo, hi) {
      if (block.length !== SBBF_BLOCK_BYTES)
        throw new FlatvoxError("IndexError", `bloom block of ${block.length} bytes, expected 32`, {
          section: "bloom",
          length: block.length,
        });
      const m = memory.mark();
      const f = k.load(block);
      const b = k.putHashes(new Uint32Array([lo, hi]));
      const hit = ops.sbbfProbe(f.ptr, 1, b.ptr, 1, memory.alloc(1)) === 1;
      memory.release(m);
      return hit;
    },
  };
  return k;
}

let shared: Promise<BloomKernels> | undefined;
let loaded: BloomKernels | undefined;

/** The bloom kernels readers and writers share: the SIMD WASM build where the engine has it, else the JS twin. */
export function sharedBloom(): Promise<BloomKernels> {
  shared ??= createBloom().then(
    (k) => {
      loaded = k;
      return k;
    },
    (e) => {
      shared = undefined;
      throw e;
    },
  );
  return shared;
}

/**
 * The shared kernels when they have loaded, else undefined (and the load
 * starts): synchronous callers such as the index writer use the JS twin
 * until then. Both write the same bits.
 */
export function loadedBloom(): BloomKernels | undefined {
  sharedBloom().catch(() => {});
  return loaded;
}
