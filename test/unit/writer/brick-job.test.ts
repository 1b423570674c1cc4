import { describe, expect, it } from "vitest";
import { shuffle, unshuffle, xorDelta } from "../../../src/core/filters";
import { xxhash32 } from "../../../src/format/xxhash32";
import { initZstd, zstdDecompressExact } from "../../../src/format/zstd";
import { loadCompressor } from "../../../src/format/zstd-compress";
import { deltaWorthTrying, encodeBrick } from "../../../src/writer/brick-job";
import { prng } from "../reader/fixtures";

function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** `bytes` copied to `offset` bytes into a fresh buffer (to test misaligned views). */
function at(bytes: Uint8Array, offset: number): Uint8Array {
  const buf = new Uint8Array(bytes.length + offset);
  buf.set(bytes, offset);
  return buf.subarray(offset);
}

/** Byte-at-a-time shuffle of (src XOR ref): the definition the word paths must equal. */
function shuffleBytes(src: Uint8Array, size: number, ref?: Uint8Array): Uint8Array {
  const n = (src.length / size) | 0;
  const out = new Uint8Array(src.length);
  for (let b = 0; b < size; b++)
    for (let i = 0; i < n; i++) out[b * n + i] = src[i * size + b] ^ (ref ? ref[i * size + b] : 0);
  return out;
}

describe("the one shuffle and xxHash32 the packer uses", () => {
  it("shuffle (word gather, word, byte paths) equals the byte definition for every size, length and alignment", () => {
    for (const size of [1, 2, 4]) {
      for (const values of [0, 1, 3, 4, 7, 16, 33, 1000, 4096]) {
        for (const offset of [0, 1, 2, 4]) {
          const src = at(randomBytes(values * size, values + size), offset);
          const ref = at(randomBytes(values * size, values * 7 + size), offset);
          const dst = at(new Uint8Array(values * size), offset);
          expect(shuffle(src, size, dst)).toEqual(shuffleBytes(src, size));
          expect(unshuffle(dst, size)).toEqual(src);
          expect(shuffle(src, size, dst, ref)).toEqual(shuffleBytes(src, size, ref));
          expect(shuffle(src, size, dst, ref)).toEqual(shuffle(xorDelta(src, ref), size));
        }
      }
    }
  });

  it("xxhash32 gives the same hash on aligned (word reads) and unaligned bytes, and known values", () => {
    const data = randomBytes(5000, 3);
    for (let len = 0; len <= 70; len++) {
      const ref = xxhash32(at(data.subarray(0, len), 1));
      for (const offset of [0, 2, 3, 4]) expect(xxhash32(at(data.subarray(0, len), offset))).toBe(ref);
    }
    const big = randomBytes(1 << 20, 4);
    expect(xxhash32(at(big, 0))).toBe(xxhash32(at(big, 2)));
    // Reference values of the xxHash32 specification (seed 0).
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxhash32(at(new TextEncoder().encode("Nobody inspects the spammish repetition"), 0))).toBe(
      0xe2293b2f,
    );
  });
});

describe("delta gate", () => {
  const n = 64 * 64 * 16; // 256 KiB of f32: above the size that is tried outright
  const smooth = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 300) + 0.001 * Math.cos(i));
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer);
  const compress = (b: Uint8Array) => cz(b);
  let cz: (b: Uint8Array) => Uint8Array = () => {
    throw new Error("not loaded");
  };

  it("tries sparse changes outright and rejects fields that changed everywhere", async () => {
    const { compress: c } = await loadCompressor();
    cz = (b) => c(b, 1);
    const sparse = smooth.slice();
    for (let i = 0; i < n; i += 97) sparse[i] += 1;
    expect(deltaWorthTrying(bytes(sparse), bytes(smooth), 4, compress)).toBe(true);
    // Every value perturbed independently: XOR against the old values only adds noise.
    const r = prng(9);
    const noisy = smooth.map((v) => v * (1 + 0.3 * r()));
    expect(deltaWorthTrying(bytes(noisy), bytes(smooth), 4, compress)).toBe(false);
    // Every value changed but only in the lowest mantissa bits: the sample shows the delta wins.
    const nudged = new Uint32Array(smooth.slice().buffer);
    for (let i = 0; i < n; i++) nudged[i] ^= 1 + (i % 3);
    expect(deltaWorthTrying(new Uint8Array(nudged.buffer), bytes(smooth), 4, compress)).toBe(true);
    // Small bricks: always tried.
    expect(deltaWorthTrying(bytes(noisy.slice(0, 1000)), bytes(smooth.slice(0, 1000)), 4, compress)).toBe(
      true,
    );
  });

  it("encodeBrick keeps the smaller form and its frame decodes to the brick", async () => {
    const { compress: c } = await loadCompressor();
    await initZstd();
    const z = (b: Uint8Array) => c(b, 1);
    const cur = smooth.slice();
    for (let i = 0; i < n; i += 1000) cur[i] = 5;
    const plain = encodeBrick({ cur: bytes(cur), size: 4, keepRatio: 0.7 }, z);
    expect(plain.encoding).toBe(1);
    expect(plain.checksum).toBe(xxhash32(plain.stored));
    const raw = zstdDecompressExact(plain.stored, n * 4, {});
    expect(Buffer.from(unshuffle(raw, 4)).equals(bytes(cur))).toBe(true);
    const delta = encodeBrick({ cur: bytes(cur), ref: bytes(smooth), size: 4, keepRatio: 0.7 }, z);
    expect(delta.encoding).toBe(2);
    expect(delta.stored.length).toBeLessThan(plain.stored.length * 0.7);
    const x = unshuffle(zstdDecompressExact(delta.stored, n * 4, {}), 4);
    expect(Buffer.from(xorDelta(x, bytes(smooth))).equals(bytes(cur))).toBe(true);
    // The stored bytes own their buffer exactly (they are transferred between threads).
    expect(delta.stored.byteOffset).toBe(0);
    expect(delta.stored.buffer.byteLength).toBe(delta.stored.length);
  });
});
