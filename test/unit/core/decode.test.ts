import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { DecodeKernels } from "../../../src/core/brick-decode";
import { createBrickDecoder, f32Transform } from "../../../src/core/brick-decode";
import { downsampleMean, downsampleMode, halfDims, shuffle, unshuffle } from "../../../src/core/filters";
import type { DType, TypedArray, Vec3 } from "../../../src/shared/types";
import { allocTyped, asBytes, bytesPerValue } from "../../../src/shared/types";
import { allCores, sameArray } from "./cores";

let impls: DecodeKernels[];

beforeAll(async () => {
  const c = await allCores();
  impls = [
    await createBrickDecoder(c.simd),
    await createBrickDecoder(c.scalar),
    await createBrickDecoder(c.js),
  ];
});

const dtypes: DType[] = ["u8", "u16", "i16", "u32", "f32"];

function randomTyped(dtype: DType, n: number, rnd: () => number, withNaN: boolean): TypedArray {
  const a = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (dtype === "f32")
      a[i] = withNaN && r < 0.1 ? Number.NaN : r < 0.15 ? -0 : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 8);
    else if (dtype === "u8") a[i] = Math.floor(r * 256);
    else if (dtype === "u16") a[i] = Math.floor(r * 65536);
    else if (dtype === "i16") a[i] = Math.floor(r * 65536) - 32768;
    else a[i] = Math.floor(r * 4294967296);
  }
  return a;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Run `f` with `input` copied into each implementation's memory and return a copy of `outBytes` at the result. */
function run(
  k: DecodeKernels,
  input: Uint8Array,
  outBytes: number,
  f: (src: number, dst: number) => void,
): Uint8Array {
  const mem = k.core.memory;
  const m = mem.mark();
  const src = mem.copyIn(input);
  const dst = mem.alloc(outBytes);
  mem.views().u8.fill(0, dst, dst + outBytes);
  f(src, dst);
  const r = mem.views().u8.slice(dst, dst + outBytes);
  mem.release(m);
  return r;
}

describe("byte shuffle filters", () => {
  it("unshuffle/shuffle equal filters.ts for element sizes 1, 2, 4 and odd lengths", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(1, 2, 4), (bytes, size) => {
        const refUn = unshuffle(bytes, size);
        const refSh = shuffle(bytes, size);
        for (const k of impls) {
          expect(run(k, bytes, bytes.length, (s, d) => k.unshuffle(s, d, bytes.length, size))).toEqual(refUn);
          expect(run(k, bytes, bytes.length, (s, d) => k.shuffle(s, d, bytes.length, size))).toEqual(refSh);
        }
      }),
      { seed: 1, numRuns: 150 },
    );
  });

  it("xor delta equals a byte-wise XOR and is its own inverse", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
        const b = a.map((x, i) => (x * 31 + i) & 255);
        const both = new Uint8Array([...a, ...b]);
        for (const k of impls) {
          const r = run(k, both, a.length, (s, d) => k.xorDelta(s, s + a.length, d, a.length));
          expect(r).toEqual(a.map((x, i) => x ^ b[i]));
        }
      }),
      { seed: 2, numRuns: 80 },
    );
  });

  it("decodeBrick undoes shuffle and xor against a reference", () => {
    for (const k of impls) {
      const values = new Float32Array([
        1.5,
        -2,
        Number.NaN,
        7,
        0,
        3e30,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
      ]);
      const ref = new Float32Array(values.length).map((_, i) => i * 0.25);
      const delta = asBytes(values).map((x, i) => x ^ asBytes(ref)[i]);
      const mem = k.core.memory;
      const refPtr = mem.copyIn(ref);
      const out = k.decodeBrick(shuffle(delta, 4), "f32", refPtr);
      expect(sameArray(mem.view("f32", out, values.length), values)).toBe(true);
    }
  });
});

describe("GPU conversions", () => {
  it("toF32 raw, dtype-normalised and range-normalised are identical across implementations", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.integer({ min: 0, max: 77 }),
        fc.integer(),
        fc.boolean(),
        (dtype, n, seed, norm) => {
          const src = randomTyped(dtype, n, rng(seed), true);
          const mode = !norm ? "raw" : dtype === "f32" ? { lo: -3, hi: 1e6 } : "dtype";
          const outs = impls.map((k) => run(k, asBytes(src), 4 * n, (s, d) => k.toF32(s, dtype, n, d, mode)));
          const want = new Float32Array(n);
          const { scale, bias } = f32Transform(dtype, mode);
          for (let i = 0; i < n; i++)
            want[i] = mode === "raw" ? src[i] : Math.fround(Math.fround(src[i]) * scale) + bias;
          for (const o of outs) expect(sameArray(new Float32Array(o.buffer), want)).toBe(true);
        },
      ),
      { seed: 3, numRuns: 150 },
    );
  });
});

describe("LOD downsampling", () => {
  it("mean and mode equal filters.ts (NaN cells, odd edges, uniform cells, every dtype)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.tuple(
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 7 }),
        ),
        fc.integer(),
        fc.constantFrom("random", "few", "blocky"),
        (dtype, dims, seed, values) => {
          const n = dims[0] * dims[1] * dims[2];
          const r = rng(seed);
          const src = randomTyped(dtype, n, r, true);
          if (values === "few")
            for (let i = 0; i < n; i++)
              src[i] = dtype === "f32" && r() < 0.3 ? Number.NaN : Math.floor(r() * 3);
          // Mostly one value per 2×2×2 cell (the kernels' whole-cell paths), with a few strays and NaNs.
          if (values === "blocky")
            for (let i = 0; i < n; i++) {
              const x = i % dims[0];
              const y = Math.floor(i / dims[0]) % dims[1];
              const z = Math.floor(i / (dims[0] * dims[1]));
              const cell = (x >> 1) + 3 * (y >> 1) + 7 * (z >> 1);
              const stray = r() < 0.05;
              src[i] = dtype === "f32" && stray && r() < 0.5 ? Number.NaN : stray ? 100 : cell % 5;
            }
          const h = halfDims(dims as Vec3);
          const outBytes = h[0] * h[1] * h[2] * bytesPerValue(dtype);
          const wantMean = asBytes(downsampleMean(src, dims as Vec3, dtype));
          const wantMode = asBytes(downsampleMode(src, dims as Vec3, dtype));
          for (const k of impls) {
            expect(
              run(k, asBytes(src), outBytes, (s, d) => k.downsample(s, dtype, dims as Vec3, d, "mean")),
            ).toEqual(wantMean);
            expect(
              run(k, asBytes(src), outBytes, (s, d) => k.downsample(s, dtype, dims as Vec3, d, "mode")),
            ).toEqual(wantMode);
          }
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe("decodeChain: the one brick pipeline (stored bytes → zstd → unshuffle → xor)", () => {
  it("decodes keyframe + delta + uniform chains identically on every core, and checks what it is given", async () => {
    const { loadCompressor } = await import("../../../src/format/zstd-compress");
    const { Encoding } = await import("../../../src/format/constants");
    const { xxhash32 } = await import("../../../src/format/xxhash32");
    const { compress } = await loadCompressor();
    const rnd = rng(99);
    for (const dtype of ["u16", "f32"] as DType[]) {
      const n = 4096;
      const size = bytesPerValue(dtype);
      const key = randomTyped(dtype, n, rnd, false);
      const next = key.slice();
      for (let i = 0; i < n; i += 7) next[i] = randomTyped(dtype, 1, rnd, false)[0];
      const keyBytes = asBytes(key);
      const xored = Uint8Array.from(asBytes(next), (b, i) => b ^ keyBytes[i]);
      const f0 = new Uint8Array(compress(shuffle(keyBytes, size), 1));
      const f1 = new Uint8Array(compress(shuffle(xored, size), 1));
      const link = (encoding: number, frame: Uint8Array, offset: number, value = 0) => ({
        encoding,
        offset,
        length: frame.length,
        value,
        checksum: xxhash32(frame),
      });
      const chain = {
        dtype,
        voxels: n,
        bytes: new Uint8Array([...f0, ...f1]),
        links: [link(Encoding.SHUFFLE_ZSTD, f0, 100), link(Encoding.XOR_DELTA_SHUFFLE_ZSTD, f1, 900)],
      };
      const uniformThenDelta = {
        dtype,
        voxels: n,
        bytes: f1,
        links: [
          { encoding: Encoding.UNIFORM, offset: 0, length: 0, value: 3 },
          link(Encoding.XOR_DELTA_SHUFFLE_ZSTD, f1, 900),
        ],
      };
      const threes = allocTyped(dtype, n).fill(3);
      const wantUniformDelta = Uint8Array.from(asBytes(threes), (b, i) => b ^ xored[i]);
      for (const k of impls) {
        const mark = k.core.memory.mark();
        try {
          const ptr = k.decodeChain(chain);
          expect(Buffer.compare(k.core.memory.views().u8.subarray(ptr, ptr + n * size), asBytes(next))).toBe(
            0,
          );
          const p2 = k.decodeChain(uniformThenDelta);
          expect(Buffer.compare(k.core.memory.views().u8.subarray(p2, p2 + n * size), wantUniformDelta)).toBe(
            0,
          );
          // A flipped stored byte fails its checksum, naming the link's offset.
          const bad = { ...chain, bytes: chain.bytes.slice() };
          bad.bytes[f0.length + 3] ^= 1;
          expect(() => k.decodeChain(bad)).toThrow(
            expect.objectContaining({
              tag: "ChecksumError",
              context: expect.objectContaining({ offset: 900 }),
            }),
          );
          // A delta with nothing before it, a short job, an unknown encoding, a cancelled job.
          expect(() => k.decodeChain({ ...chain, bytes: f1, links: [chain.links[1]] })).toThrow(
            expect.objectContaining({ tag: "FormatError" }),
          );
          expect(() => k.decodeChain({ ...chain, bytes: f0 })).toThrow(
            expect.objectContaining({ tag: "TruncatedError" }),
          );
          expect(() =>
            k.decodeChain({ ...chain, bytes: f0, links: [{ ...chain.links[0], encoding: 9 }] }),
          ).toThrow(expect.objectContaining({ tag: "FormatError" }));
          expect(() =>
            k.decodeChain(chain, () => {
              throw new RangeError("cancelled");
            }),
          ).toThrow(RangeError);
        } finally {
          k.core.memory.release(mark);
        }
      }
    }
  });
});
