// The GPU conversion kernels (assembly/gpu.ts) against their JS twins:
// halves of (v − lo) × scale and occupancy block maxima, bit for bit, on every
// dtype, with NaN, ±inf, −0, subnormals, overflow, exact ties and tails.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { fromHalf, normalizeToHalf, toHalf } from "../../../src/core/convert-js";
import { createGpuConvert, type GpuConvert, jsGpuConvert } from "../../../src/core/gpu-convert";
import { brickBlockMax, EMPTY } from "../../../src/core/occupancy-js";
import { isFlatvoxError } from "../../../src/shared/errors";
import { allocTyped, type DType, type Vec3 } from "../../../src/shared/types";
import { loadGpuPrep, prepareForGpu } from "../../../src/worker/gpu-prep";
import { allCores } from "./cores";

let impls: GpuConvert[];

beforeAll(async () => {
  const c = await allCores();
  impls = await Promise.all([c.simd, c.scalar, c.js].map((x) => createGpuConvert(x)));
});

const DTYPES: DType[] = ["u8", "u16", "i16", "u32", "f32"];

/** Every finite non-negative half's value by its bits; 0x7c00 stands for 2^16, the first value that is +inf. */
const HALVES = Float64Array.from({ length: 0x7c01 }, (_, h) => (h === 0x7c00 ? 65536 : fromHalf(h)));

/** The half nearest to v by search over every half (ties to the even bits), NaN → 0x7e00. */
function nearestHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65536) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7c00;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (HALVES[mid] <= a) lo = mid;
    else hi = mid;
  }
  if (HALVES[lo] === a) return sign | lo;
  const below = a - HALVES[lo];
  const above = HALVES[hi] - a;
  const h = below < above ? lo : above < below ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

/** Values at and around the rounding decisions: halves, midpoints between them, one f64 step either side. */
const nearTies = fc.integer({ min: 0, max: 0x7bff }).chain((h) => {
  const mid = (HALVES[h] + HALVES[h + 1]) / 2;
  return fc.constantFrom(
    HALVES[h],
    mid,
    mid * (1 + 2 ** -52),
    mid * (1 - 2 ** -52),
    mid + 2 ** -1074,
    -mid,
    Math.fround(mid),
  );
});

const specials = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  65504,
  65519.99,
  65520,
  -65520,
  65536,
  2 ** -24,
  2 ** -25,
  2 ** -25 * (1 + 2 ** -52),
  -(2 ** -25),
  2 ** -14,
  2 ** -14 - 2 ** -25,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  1e-45,
  3.4028234663852886e38,
  Math.fround(-1e30),
  -1e30,
];

describe("half conversion", () => {
  it("toHalf is the IEEE half nearest to the value, ties to even (a search over every half agrees)", () => {
    for (const v of specials) expect(toHalf(v), String(v)).toBe(nearestHalf(v));
    fc.assert(
      fc.property(fc.oneof(fc.double(), nearTies, fc.double({ min: -70000, max: 70000 })), (v) => {
        expect(toHalf(v)).toBe(nearestHalf(v));
      }),
      { seed: 14, numRuns: 20_000 },
    );
    // Cases the earlier conversion (through f32, ties away from zero) got wrong.
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
    expect(toHalf(2 ** -25)).toBe(0);
    expect(toHalf(Number.NaN)).toBe(0x7e00);
    expect(toHalf(-0)).toBe(0x8000);
  });

  it("WASM SIMD, WASM scalar and the JS twin give the same halves for every dtype (random ranges, specials, tails)", () => {
    const f32Pool = fc.oneof(
      fc.constantFrom(...specials),
      nearTies,
      fc.double({ min: -1e6, max: 1e6 }),
      fc.double(),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...DTYPES),
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.oneof(f32Pool, fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.oneof(
          fc.constant(0),
          fc.double({ min: -1e9, max: 1e9, noNaN: true }),
          fc.constantFrom(...specials),
        ),
        fc.oneof(
          fc.constant(1),
          fc.double({ min: -1e9, max: 1e9, noNaN: true }),
          fc.double({ min: 1e-12, max: 1e-3 }),
          fc.constantFrom(0, 1 / 255, 1 / 65535, 2 ** -32, ...specials),
        ),
        (dtype, n, pool, lo, scale) => {
          const a = allocTyped(dtype, n);
          for (let i = 0; i < n; i++) a[i] = pool[(i * 7 + (i >> 3)) % pool.length];
          const want = new Uint16Array(n);
          for (let i = 0; i < n; i++) want[i] = nearestHalf((a[i] - lo) * scale);
          for (const k of impls) {
            const got = k.prepare(a, { lo, scale, dims: [n, 1, 1], level: 0 }).half;
            expect(Array.from(got), `${k.implementation} ${dtype}`).toEqual(Array.from(want));
          }
        },
      ),
      { seed: 11, numRuns: 1500 },
    );
  });

  it("the full u16 and i16 ranges convert identically (every value, dtype-normalised and raw)", () => {
    for (const dtype of ["u16", "i16"] as const) {
      const a = allocTyped(dtype, 65536 + 5);
      for (let i = 0; i < a.length; i++) a[i] = i;
      for (const [lo, scale] of [
        [0, 1],
        [dtype === "u16" ? 0 : -32768, 1 / 65535],
        [1000.5, -3e-3],
      ]) {
        const want = normalizeToHalf(a, lo, scale, new Uint16Array(a.length));
        for (const k of impls.slice(0, 2)) {
          const got = k.prepare(a, { lo, scale, dims: [a.length, 1, 1], level: 0 }).half;
          expect(
            got.every((h, i) => h === want[i]),
            `${k.implementation} ${dtype} ${lo} ${scale}`,
          ).toBe(true);
        }
      }
    }
  });
});

describe("occupancy block maxima", () => {
  it("WASM SIMD, WASM scalar and the JS twin agree on every dtype, level and clipped size", () => {
    const pool = fc.oneof(
      fc.constantFrom(
        Number.NaN,
        Number.NEGATIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        -0,
        0,
        EMPTY,
        -1e31,
        -3e38,
      ),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
      fc.integer({ min: 2 ** 24, max: 2 ** 24 + 8 }),
      fc.double({ min: -100, max: 100 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...DTYPES),
        // Coarse levels only on small bricks (a level-5 voxel spans 4 blocks per axis).
        fc
          .integer({ min: 0, max: 5 })
          .chain((level) =>
            fc.tuple(
              fc.constant(level),
              fc.tuple(...[21, 19, 17].map((d) => fc.integer({ min: 1, max: level > 2 ? 4 : d }))),
            ),
          ),
        fc.array(pool, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 4 }),
        (dtype, [level, dims], values, sparsity) => {
          const n = dims[0] * dims[1] * dims[2];
          const a = allocTyped(dtype, n);
          // Mostly one background value (zeros, or NaN for f32), so blocks with none of the values occur.
          const background = dtype === "f32" && sparsity === 1 ? Number.NaN : 0;
          for (let i = 0; i < n; i++)
            a[i] = (i * 13) % (sparsity + 1) === 0 ? values[i % values.length] : background;
          const want = brickBlockMax(a, dims as Vec3, level);
          for (const k of impls) {
            const r = k.prepare(a, { lo: 0, scale: 1, dims: dims as Vec3, level });
            expect(r.n, k.implementation).toEqual(want.n);
            expect(
              Array.from(r.blockMax).map((v) => (Object.is(v, -0) ? "-0" : v)),
              `${k.implementation} ${dtype} ${dims} level ${level}`,
            ).toEqual(Array.from(want.max));
          }
        },
      ),
      { seed: 12, numRuns: 800 },
    );
  });

  it("maxima leave out NaN and values at or below EMPTY, and report −0 as +0", () => {
    const a = new Float32Array(8).fill(Number.NaN);
    a[3] = -0;
    a[5] = Number.NEGATIVE_INFINITY;
    const b = new Float32Array(8).fill(Number.NaN);
    b[0] = Math.fround(EMPTY);
    for (const k of impls) {
      expect(Object.is(k.prepare(a, { lo: 0, scale: 1, dims: [8, 1, 1], level: 0 }).blockMax[0], 0)).toBe(
        true,
      );
      expect(k.prepare(b, { lo: 0, scale: 1, dims: [8, 1, 1], level: 0 }).blockMax[0]).toBe(
        Math.fround(EMPTY),
      );
    }
  });
});

describe("GPU conversion facade", () => {
  it("prepares values already in core memory like an array, and checks the brick's size with a typed error", () => {
    const dims: Vec3 = [9, 7, 5];
    const a = Float32Array.from({ length: 9 * 7 * 5 + 3 }, (_, i) => Math.sin(i) * 40);
    const prep = { lo: -40, scale: 1 / 80, dims, level: 1 };
    const want = jsGpuConvert().prepare(a, prep);
    for (const [k, core] of impls.map((k, i) => [k, i] as const)) {
      const got = k.prepare(a, prep);
      expect(Array.from(got.half)).toEqual(Array.from(want.half));
      expect(Array.from(got.blockMax)).toEqual(Array.from(want.blockMax));
      expect(got.half.length).toBe(9 * 7 * 5);
      expect(core).toBeGreaterThanOrEqual(0);
    }
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isFlatvoxError(e) ? e.tag : "untyped";
      }
      return "none";
    };
    for (const k of impls) {
      expect(bad(() => k.prepare(a.subarray(0, 10), prep))).toBe("QueryError");
      expect(bad(() => k.prepare(a, { ...prep, dims: [0, 1, 1] }))).toBe("QueryError");
      expect(bad(() => k.prepare(a, { ...prep, level: -1 }))).toBe("QueryError");
    }
  });

  it("prepareForGpu uses the thread's WASM SIMD kernels once loaded (same output as the twins)", async () => {
    const k = await loadGpuPrep();
    expect(k.implementation).toBe("wasm-simd");
    const a = new Uint16Array(4096).map((_, i) => (i * 7919) & 0xffff);
    const prep = { lo: 0, scale: 1 / 65535, dims: [16, 16, 16] as Vec3, level: 0 };
    const r = prepareForGpu(a, prep);
    const t = jsGpuConvert().prepare(a, prep);
    expect(Array.from(r.half)).toEqual(Array.from(t.half));
    expect(Array.from(r.blockMax)).toEqual(Array.from(t.blockMax));
  });
});
