import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { StatsKernels } from "../../../src/core/region-stats";
import {
  addStats,
  addUniform,
  boxVolume,
  createRegionStats,
  emptyStats,
} from "../../../src/core/region-stats";
import type { Box3, DType, Vec3 } from "../../../src/shared/types";
import { allocTyped } from "../../../src/shared/types";
import { allCores, same, sameArray } from "./cores";

let impls: StatsKernels[];

beforeAll(async () => {
  const c = await allCores();
  impls = await Promise.all([c.simd, c.scalar, c.js].map((x) => createRegionStats(x)));
});

const dtypes: DType[] = ["u8", "u16", "i16", "u32", "f32"];

describe("region statistics", () => {
  it("are identical across implementations (NaN, -0, degenerate boxes, histograms)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.tuple(
          fc.integer({ min: 1, max: 13 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 5 }),
        ),
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6 }), fc.constant(Number.NaN), fc.constant(-0)), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.tuple(fc.nat(14), fc.nat(14), fc.nat(7), fc.nat(7), fc.nat(6), fc.nat(6)),
        fc.option(
          fc.record({
            bins: fc.integer({ min: 1, max: 9 }),
            lo: fc.integer({ min: -100, max: 50 }),
            span: fc.integer({ min: 0, max: 300 }),
          }),
        ),
        (dtype, dims, pool, b, h) => {
          const n = dims[0] * dims[1] * dims[2];
          const a = allocTyped(dtype, n);
          for (let i = 0; i < n; i++) a[i] = pool[(i * 7) % pool.length];
          const box: Box3 = { min: [b[0], b[2], b[4]], max: [b[1], b[3], b[5]] };
          const hist = h ? { bins: h.bins, lo: h.lo, hi: h.lo + h.span } : undefined;
          const rs = impls.map((k) => {
            const m = k.core.memory.mark();
            const p = k.core.memory.copyIn(a);
            const r = k.brick(p, dtype, dims as Vec3, box, hist);
            k.core.memory.release(m);
            return r;
          });
          for (const r of rs.slice(1)) {
            for (const key of ["min", "max", "sum", "count", "nanCount", "mean", "below", "above"] as const)
              expect(same(r[key], rs[0][key]), key).toBe(true);
            if (hist) expect(sameArray(r.histogram!, rs[0].histogram!)).toBe(true);
          }
          // Against a plain reference (order-free parts).
          let count = 0;
          let nans = 0;
          let mn = Infinity;
          for (let z = b[4]; z < Math.min(b[5], dims[2]); z++)
            for (let y = b[2]; y < Math.min(b[3], dims[1]); y++)
              for (let x = b[0]; x < Math.min(b[1], dims[0]); x++) {
                const v = a[x + dims[0] * (y + dims[1] * z)];
                if (Number.isNaN(v)) nans++;
                else {
                  count++;
                  if (v < mn) mn = v;
                }
              }
          expect(rs[0].count).toBe(count);
          expect(rs[0].nanCount).toBe(nans);
          expect(rs[0].min === mn).toBe(true);
          if (hist) {
            const inHist = rs[0].histogram!.reduce((s, x) => s + x, 0);
            expect(inHist + rs[0].below + rs[0].above).toBe(count);
          }
        },
      ),
      { seed: 21, numRuns: 300 },
    );
  });

  it("the combiner adds uniform bricks without data and matches a direct computation", async () => {
    const k = impls[0];
    const dims: Vec3 = [8, 8, 8];
    const a = new Float32Array(512).map((_, i) => (i % 17) - 3);
    a[5] = Number.NaN;
    const p = k.core.memory.copyIn(a);
    const hist = { bins: 4, lo: -4, hi: 16 };
    const box: Box3 = { min: [0, 0, 0], max: [8, 8, 8] };
    const acc = emptyStats(hist);
    addStats(acc, k.brick(p, "f32", dims, box, hist));
    addUniform(acc, 2.5, boxVolume(box), hist);
    addUniform(acc, Number.NaN, 10, hist);
    const direct = k.brick(p, "f32", dims, box, hist);
    expect(acc.count).toBe(direct.count + 512);
    expect(acc.nanCount).toBe(direct.nanCount + 10);
    expect(acc.sum).toBeCloseTo(direct.sum + 2.5 * 512, 6);
    expect(acc.histogram![1]).toBe(direct.histogram![1] + 512);
    expect(acc.min).toBe(-3);
    expect(acc.max).toBe(13);
  });

  it("an empty selection reports no values", () => {
    for (const k of impls) {
      const p = k.core.memory.copyIn(new Uint8Array(8));
      const r = k.brick(p, "u8", [2, 2, 2], { min: [1, 0, 0], max: [1, 2, 2] });
      expect(r.count).toBe(0);
      expect(r.min).toBe(Infinity);
      expect(Number.isNaN(r.mean)).toBe(true);
    }
  });
});
