import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type ByteFilters, createByteFilters, jsByteFilters } from "../../../src/core/byte-filters";
import { xxhash32 } from "../../../src/format/xxhash32";
import { allCores } from "./cores";

let impls: ByteFilters[];

beforeAll(async () => {
  const c = await allCores();
  impls = [await createByteFilters(c.simd), await createByteFilters(c.scalar), jsByteFilters()];
});

/** Byte-at-a-time shuffle of (src XOR ref): the definition. */
function shuffleBytes(src: Uint8Array, size: number, ref?: Uint8Array): Uint8Array {
  const n = (src.length / size) | 0;
  const out = new Uint8Array(src.length);
  for (let b = 0; b < size; b++)
    for (let i = 0; i < n; i++) out[b * n + i] = src[i * size + b] ^ (ref ? ref[i * size + b] : 0);
  return out;
}

const bytesAt = (data: number[], offset: number) => {
  const b = new Uint8Array(data.length + offset);
  b.set(data, offset);
  return b.subarray(offset);
};

describe("byte filters of brick encoding: WASM SIMD, WASM scalar and the JS twins agree", () => {
  it("reports which kernels run", () => {
    expect(impls.map((f) => f.implementation)).toEqual(["wasm-simd", "wasm-scalar", "js"]);
  });

  it("shuffle (with and without the XOR reference) equals the byte definition on random input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.integer(),
        (size, values, offset, withRef, seed) => {
          let s = seed >>> 0 || 1;
          const next = () => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return s >>> 24;
          };
          const src = bytesAt(Array.from({ length: values * size }, next), offset);
          const ref = withRef ? bytesAt(Array.from({ length: values * size }, next), offset) : undefined;
          const want = shuffleBytes(src, size, ref);
          for (const f of impls) expect(Array.from(f.shuffle(src, size, ref))).toEqual(Array.from(want));
        },
      ),
      { seed: 21, numRuns: 300 },
    );
  });

  it("checksum equals xxHash32 for every length up to 100 and large inputs, at any alignment", () => {
    const data = Array.from({ length: 1 << 16 }, (_, i) => (i * 2654435761) >>> 23);
    for (let len = 0; len <= 100; len++)
      for (const offset of [0, 1, 3]) {
        const b = bytesAt(data.slice(0, len), offset);
        const want = xxhash32(b);
        for (const f of impls) expect(f.checksum(b)).toBe(want);
      }
    const big = bytesAt(data, 2);
    for (const f of impls) expect(f.checksum(big)).toBe(xxhash32(big));
  });

  it("shuffle of a large brick after a small one (core memory grows) still matches", () => {
    const small = new Uint8Array(64).map((_, i) => i);
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    const want = shuffleBytes(big, 4);
    for (const f of impls) {
      f.shuffle(small, 4);
      const got = f.shuffle(big, 4);
      // Hashing the result itself (a view of core memory for the WASM kernels).
      expect(f.checksum(got)).toBe(xxhash32(want));
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    }
  });
});

describe("the packer's downsample: WASM SIMD, WASM scalar and the JS twins agree", () => {
  it("mean (NaN left out, integers rounded) and mode equal filters.ts on random input, reusing core memory", async () => {
    const { downsampleMean, downsampleMode } = await import("../../../src/core/filters");
    const { allocTyped } = await import("../../../src/shared/types");
    const dtypes = ["u8", "u16", "i16", "u32", "f32"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.tuple(
          fc.integer({ min: 1, max: 11 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 7 }),
        ),
        fc.integer(),
        fc.boolean(),
        (dtype, dims, seed, blocky) => {
          let s = seed >>> 0 || 1;
          const r = () => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return s / 2 ** 32;
          };
          const n = dims[0] * dims[1] * dims[2];
          const src = allocTyped(dtype, n);
          for (let i = 0; i < n; i++) {
            const cell = ((i % dims[0]) >> 1) + 3 * ((Math.floor(i / dims[0]) % dims[1]) >> 1);
            const v = blocky && r() > 0.05 ? cell % 4 : r() * 70000 - 5000;
            src[i] = dtype === "f32" && r() < 0.1 ? Number.NaN : dtype === "f32" ? v : Math.round(v);
          }
          const mean = Array.from(downsampleMean(src, dims, dtype));
          const mode = Array.from(downsampleMode(src, dims, dtype));
          for (const f of impls) {
            expect(Array.from(f.downsample(src, dims, dtype, "mean"))).toEqual(mean);
            expect(Array.from(f.downsample(src, dims, dtype, "mode"))).toEqual(mode);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
