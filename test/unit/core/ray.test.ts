import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../../../src/core/core";
import { brickCellStats, CELLS } from "../../../src/core/layout";
import type { HitTest, Ray, RayKernels, RayResult } from "../../../src/core/ray";
import { createRayKernels } from "../../../src/core/ray";
import type { DType, TypedArray, Vec3 } from "../../../src/shared/types";
import { allocTyped, asBytes } from "../../../src/shared/types";
import { buildOctree, denseSource } from "../../helpers/octree-build";
import { allCores, same } from "./cores";

let impls: RayKernels[];
let cores: Core[];

beforeAll(async () => {
  const c = await allCores();
  cores = [c.simd, c.scalar, c.js];
  impls = await Promise.all(cores.map((x) => createRayKernels(x)));
});

function sameResult(a: RayResult, b: RayResult): boolean {
  if (a.unresolved !== b.unresolved || a.steps !== b.steps || !!a.hit !== !!b.hit) return false;
  if (!a.hit || !b.hit) return true;
  return (
    a.hit.ijk.every((v, i) => v === b.hit!.ijk[i]) &&
    same(a.hit.value, b.hit.value) &&
    same(a.hit.t, b.hit.t) &&
    a.hit.level === b.hit.level
  );
}

/** Sparse random field: mostly 0, some blobs, optional NaN. */
function field(dtype: DType, dims: Vec3, seed: number, nan: boolean): TypedArray {
  let s = seed >>> 0 || 1;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const a = allocTyped(dtype, dims[0] * dims[1] * dims[2]);
  for (let i = 0; i < a.length; i++) {
    const u = r();
    a[i] = u < 0.8 ? 0 : dtype === "f32" && nan && u < 0.85 ? Number.NaN : Math.floor(r() * 10);
  }
  // Uniform slabs so that coarse uniform nodes appear.
  for (let z = 0; z < Math.min(4, dims[2]); z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) a[x + dims[0] * (y + dims[1] * z)] = 0;
  return a;
}

const coord = fc.double({ min: -8, max: 28, noNaN: true });
const dirc = fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ min: -1, max: 1, noNaN: true }));
const rayArb = fc.record({
  origin: fc.tuple(coord, coord, coord),
  direction: fc.tuple(dirc, dirc, dirc),
});
const testArb: fc.Arbitrary<HitTest> = fc.oneof(
  fc.record({ threshold: fc.constantFrom(0.5, 3, 7, 9, -1) }),
  fc.record({ materials: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }) }),
);

/** Independent oracle: every voxel's entry t by slab test, the earliest passing one. */
function bruteForce(
  a: TypedArray,
  dims: Vec3,
  ray: Ray,
  test: HitTest,
): { t: number; ijk: Vec3 } | undefined {
  let best: { t: number; ijk: Vec3 } | undefined;
  const ok = (v: number) =>
    "threshold" in test ? v >= test.threshold : Number.isInteger(v) && test.materials.includes(v);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        if (!ok(a[i + dims[0] * (j + dims[1] * k)])) continue;
        let t0 = 0;
        let t1 = Infinity;
        const lo = [i, j, k];
        let miss = false;
        for (let ax = 0; ax < 3; ax++) {
          const o = ray.origin[ax];
          const d = Number.isFinite(1 / ray.direction[ax]) ? ray.direction[ax] : 0;
          if (d === 0) {
            if (!(o >= lo[ax] && o < lo[ax] + 1)) miss = true;
            continue;
          }
          let ta = (lo[ax] - o) / d;
          let tb = (lo[ax] + 1 - o) / d;
          if (ta > tb) [ta, tb] = [tb, ta];
          t0 = Math.max(t0, ta);
          t1 = Math.min(t1, tb);
        }
        if (miss || !(t0 < t1)) continue;
        if (!best || t0 < best.t) best = { t: t0, ijk: [i, j, k] };
      }
  return best;
}

describe("brick DDA", () => {
  it("WASM SIMD, scalar and JS agree exactly, and match a brute-force oracle", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DType>("u8", "u16", "f32"),
        fc.tuple(
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 12 }),
        ),
        fc.integer(),
        rayArb,
        testArb,
        (dtype, dims, seed, ray, test) => {
          const a = field(dtype, dims as Vec3, seed, true);
          const results = impls.map((k) => {
            const mem = k.core.memory;
            const m = mem.mark();
            const p = mem.copyIn(a);
            const r = k.brick(p, dtype, dims as Vec3, ray, test);
            mem.release(m);
            return r;
          });
          expect(sameResult(results[0], results[1])).toBe(true);
          expect(sameResult(results[0], results[2])).toBe(true);
          const ref = bruteForce(a, dims as Vec3, ray, test);
          const got = results[0].hit;
          expect(!!got).toBe(!!ref);
          if (got && ref) expect(Math.abs(got.t - ref.t)).toBeLessThan(1e-9 * Math.max(1, ref.t));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it("handles axis-parallel rays, rays starting inside, misses, zero direction and empty bricks", () => {
    const dims: Vec3 = [4, 4, 4];
    const a = new Float32Array(64);
    a[2 + 4 * (1 + 4 * 3)] = 5;
    a[0] = Number.NaN;
    for (const k of impls) {
      const p = k.core.memory.copyIn(a);
      const hit = k.brick(p, "f32", dims, { origin: [-3, 1.5, 3.5], direction: [1, 0, 0] }, { threshold: 1 })
        .hit!;
      expect(hit.ijk).toEqual([2, 1, 3]);
      expect(hit.t).toBe(5);
      expect(
        k.brick(p, "f32", dims, { origin: [2.5, 1.5, 3.5], direction: [0, 0, -1] }, { threshold: 1 }).hit?.t,
      ).toBe(0);
      expect(
        k.brick(p, "f32", dims, { origin: [-3, 9, 3.5], direction: [1, 0, 0] }, { threshold: 1 }).hit,
      ).toBeUndefined();
      expect(
        k.brick(p, "f32", dims, { origin: [2.5, 1.5, 3.5], direction: [0, 0, 0] }, { threshold: 1 }).hit?.t,
      ).toBe(0);
      expect(
        k.brick(p, "f32", dims, { origin: [0.5, 0.5, 0.5], direction: [0, 0, 0] }, { threshold: -1e9 }).hit,
      ).toBeUndefined();
      expect(
        k.brick(p, "f32", [0, 4, 4], { origin: [0, 0, 0], direction: [1, 1, 1] }, { threshold: 0 }).hit,
      ).toBeUndefined();
      expect(
        k.brick(p, "f32", dims, { origin: [Number.NaN, 0, 0], direction: [1, 0, 0] }, { threshold: 0 }).hit,
      ).toBeUndefined();
      expect(
        k.brick(p, "f32", dims, { origin: [-3, 1.5, 3.5], direction: [1, 0, 0] }, { materials: [5] }).hit
          ?.value,
      ).toBe(5);
      expect(
        k.brick(p, "f32", dims, { origin: [-3, 1.5, 3.5], direction: [1, 0, 0] }, { materials: [] }).hit,
      ).toBeUndefined();
    }
  });
});

describe("hierarchical DDA", () => {
  it("agrees exactly across implementations and finds the voxel-by-voxel first hit", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DType>("u8", "f32"),
        fc.tuple(
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1, max: 20 }),
        ),
        fc.integer(),
        rayArb,
        testArb,
        (dtype, dims, seed, ray, test) => {
          const a = field(dtype, dims as Vec3, seed, true);
          const results = impls.map((k) => {
            const mem = k.core.memory;
            const m = mem.mark();
            const tree = buildOctree(mem, denseSource(a, dims as Vec3, dtype, 4));
            const h = k.octree(tree.nodes, 0, dtype, ray, test);
            // Voxel by voxel over the whole grid as one dense brick: the baseline.
            const g = k.brick(mem.copyIn(a), dtype, dims as Vec3, ray, test);
            mem.release(m);
            return { h, g };
          });
          for (const r of results.slice(1)) {
            expect(sameResult(r.h, results[0].h)).toBe(true);
            expect(sameResult(r.g, results[0].g)).toBe(true);
          }
          const { h, g } = results[0];
          expect(!!h.hit).toBe(!!g.hit);
          if (h.hit && g.hit) {
            expect(Math.abs(h.hit.t - g.hit.t)).toBeLessThan(1e-9 * Math.max(1, g.hit.t));
            expect(same(h.hit.value, g.hit.value)).toBe(true);
            expect(h.hit.ijk.map((v) => v * 2 ** h.hit!.level)).toEqual(
              g.hit.ijk.map((v) => v - (v % 2 ** h.hit!.level)),
            );
          }
          expect(h.unresolved).toBe(0);
        },
      ),
      { seed: 12, numRuns: 200 },
    );
  });

  it("walks bricks with per-cell stats exactly like bricks without them, in every implementation", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<DType>("u8", "u16", "i16", "f32"),
        fc.tuple(
          fc.integer({ min: 9, max: 40 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 40 }),
        ),
        fc.integer(),
        rayArb,
        testArb,
        (dtype, dims, seed, ray, test) => {
          const a = field(dtype, dims as Vec3, seed, true);
          // Sparser than field(): most 8³ cells hold nothing that passes.
          for (let i = 0; i < a.length; i++) if (i % 7 !== 0) a[i] = 0;
          a[0] = 9; // the first brick (at least 9 wide) is never uniform, so it gets cells
          const scaled: Ray = {
            origin: ray.origin.map((v) => v * 1.5) as Vec3,
            direction: ray.direction,
          };
          const results = impls.map((k) => {
            const mem = k.core.memory;
            const m = mem.mark();
            const tree = buildOctree(mem, denseSource(a, dims as Vec3, dtype, 16));
            const v = mem.views();
            const withCells = k.octree(tree.nodes, 0, dtype, scaled, test);
            let flagged = 0;
            for (let i = 0; i < tree.count; i++) {
              const f = (tree.nodes >> 2) + i * 16 + 7;
              if (v.i32[f] & CELLS) flagged++;
              v.i32[f] &= ~CELLS;
            }
            const without = k.octree(tree.nodes, 0, dtype, scaled, test);
            mem.release(m);
            return { withCells, without, flagged };
          });
          for (const r of results.slice(1)) {
            expect(sameResult(r.withCells, results[0].withCells)).toBe(true);
            expect(sameResult(r.without, results[0].without)).toBe(true);
          }
          const { withCells: c, without: w, flagged } = results[0];
          expect(flagged).toBeGreaterThan(0);
          expect(!!c.hit).toBe(!!w.hit);
          expect(c.steps).toBeLessThanOrEqual(w.steps);
          if (c.hit && w.hit) {
            expect(Math.abs(c.hit.t - w.hit.t)).toBeLessThan(1e-9 * Math.max(1, Math.abs(w.hit.t)));
            expect(same(c.hit.value, w.hit.value)).toBe(true);
            const oracle = bruteForce(a, dims as Vec3, scaled, test);
            expect(oracle).toBeDefined();
            expect(Math.abs(c.hit.t - oracle!.t)).toBeLessThan(1e-9 * Math.max(1, Math.abs(oracle!.t)));
          } else expect(bruteForce(a, dims as Vec3, scaled, test)).toBeUndefined();
        },
      ),
      { seed: 31, numRuns: 150 },
    );
  });

  it("skips empty space: far fewer steps than voxel-by-voxel on a sparse grid", () => {
    const dims: Vec3 = [64, 64, 64];
    const a = new Uint8Array(64 ** 3);
    a[60 + 64 * (32 + 64 * 32)] = 200;
    for (const k of impls) {
      const mem = k.core.memory;
      const tree = buildOctree(mem, denseSource(a, dims, "u8", 8));
      const ray: Ray = { origin: [-1, 32.5, 32.5], direction: [1, 0, 0] };
      const h = k.octree(tree.nodes, 0, "u8", ray, { threshold: 100 });
      const g = k.brick(mem.copyIn(a), "u8", dims, ray, { threshold: 100 });
      expect(h.hit?.ijk).toEqual([60, 32, 32]);
      expect(g.hit?.ijk).toEqual([60, 32, 32]);
      expect(h.steps).toBeLessThan(g.steps / 4);
    }
  });

  it("falls back to a coarser resident brick when a leaf is not loaded, and counts unresolved ones", () => {
    const dims: Vec3 = [8, 8, 8];
    const a = new Float32Array(512);
    a[5 + 8 * (1 + 8 * 1)] = 9;
    for (const k of impls) {
      const mem = k.core.memory;
      const tree = buildOctree(mem, denseSource(a, dims, "f32", 4));
      const v = mem.views();
      const base = tree.nodes >> 2;
      // Unload every level-0 brick: the level-1 root answers coarsely.
      for (let i = 1; i < tree.count; i++) if (v.i32[base + i * 16 + 6] === 0) v.i32[base + i * 16 + 7] &= ~4;
      const r = k.octree(
        tree.nodes,
        0,
        "f32",
        { origin: [-1, 1.5, 1.5], direction: [1, 0, 0] },
        { threshold: 0.5 },
      );
      expect(r.hit?.level).toBe(1);
      expect(r.hit?.ijk).toEqual([2, 0, 0]);
      v.i32[base + 7] &= ~4;
      const u = k.octree(
        tree.nodes,
        0,
        "f32",
        { origin: [-1, 1.5, 1.5], direction: [1, 0, 0] },
        { threshold: 0.5 },
      );
      expect(u.hit).toBeUndefined();
      expect(u.unresolved).toBeGreaterThan(0);
    }
  });
});

void asBytes;

describe("brick cell stats", () => {
  it("bound every value of their cell, also u32 values an f32 cannot hold, and ignore NaN", () => {
    const dims: Vec3 = [10, 3, 9];
    const u = new Uint32Array(270);
    for (let i = 0; i < u.length; i++) u[i] = 16777217 + 2 * i;
    const f = new Float32Array(270).fill(Number.NaN);
    f[9] = 4; // cell (1, 0, 0)
    const su = brickCellStats(u, dims);
    const sf = brickCellStats(f, dims);
    expect(su.length).toBe(2 * 2 * 1 * 2);
    for (let z = 0; z < 9; z++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 10; x++) {
          const c = (x >> 3) + 2 * (z >> 3);
          const v = u[x + 10 * (y + 3 * z)];
          expect(su[2 * c]).toBeLessThanOrEqual(v);
          expect(su[2 * c + 1]).toBeGreaterThanOrEqual(v);
        }
    expect([...sf]).toEqual([Number.NaN, Number.NaN, 4, 4, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
  });
});
