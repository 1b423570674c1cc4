import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { LodCamera, LodKernels } from "../../../src/core/lod";
import { createLodSelector } from "../../../src/core/lod";
import type { Vec3 } from "../../../src/shared/types";
import { buildOctree, denseSource } from "../../helpers/octree-build";
import { allCores } from "./cores";

let impls: LodKernels[];
let trees: { nodes: number; count: number }[];
const dims: Vec3 = [64, 48, 40];

beforeAll(async () => {
  const c = await allCores();
  impls = await Promise.all([c.simd, c.scalar, c.js].map((x) => createLodSelector(x)));
  const a = new Float32Array(dims[0] * dims[1] * dims[2]).map((_, i) => Math.sin(i * 0.37) * 10);
  trees = impls.map((k) => buildOctree(k.core.memory, denseSource(a, dims, "f32", 8)));
});

/** Frustum planes of a camera at `eye` looking at `target` (world units). */
function camera(eye: Vec3, target: Vec3, fovy: number, aspect: number, near: number, far: number): LodCamera {
  const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const norm = (v: Vec3): Vec3 => {
    const l = Math.hypot(...v) || 1;
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  const cross = (a: Vec3, b: Vec3): Vec3 => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const f = norm(sub(target, eye));
  const r = norm(cross(f, Math.abs(f[1]) > 0.99 ? [1, 0, 0] : [0, 1, 0]));
  const u = cross(r, f);
  const th = Math.tan(fovy / 2);
  const tw = th * aspect;
  const mk = (n: Vec3, p: Vec3) => [...norm(n), -dot(norm(n), p)];
  const lerp = (a: Vec3, b: Vec3, s: number): Vec3 => [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];
  const planes = [
    ...mk(f, lerp(eye, f, near)),
    ...mk([-f[0], -f[1], -f[2]], lerp(eye, f, far)),
    ...mk(cross(u, lerp(f, r, tw)), eye),
    ...mk(cross(lerp(f, r, -tw), u), eye),
    ...mk(cross(lerp(f, u, th), r), eye),
    ...mk(cross(r, lerp(f, u, -th)), eye),
  ];
  return { eye, planes, viewportHeight: 800, fovy };
}

describe("LOD selection", () => {
  it("selects the same cut in every implementation for random cameras and budgets", () => {
    const c = fc.double({ min: -100, max: 160, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(c, c, c),
        fc.tuple(c, c, c),
        fc.integer({ min: 0, max: 400_000 }),
        fc.constantFrom(4, 16, 64),
        (eye, target, bytes, px) => {
          const cam = { ...camera(eye, target, 0.9, 1.5, 0.1, 500), threshold: px };
          const rs = impls.map((k, i) =>
            k.select(
              trees[i].nodes,
              trees[i].count,
              0,
              cam,
              { bytes },
              { origin: [0, 0, 0], spacing: [1, 1, 1] },
            ),
          );
          for (const r of rs.slice(1)) {
            expect([...r.selected]).toEqual([...rs[0].selected]);
            expect(r.bytes).toBe(rs[0].bytes);
            expect(r.visited).toBe(rs[0].visited);
          }
          // The cut stays inside the budget unless the root alone exceeds it.
          if (rs[0].selected.length > 1) expect(rs[0].bytes).toBeLessThanOrEqual(bytes);
        },
      ),
      { seed: 31, numRuns: 120 },
    );
  });

  it("refines near the eye, culls what is behind it, and respects the threshold", () => {
    const k = impls[0];
    const t = trees[0];
    const grid = { origin: [0, 0, 0] as Vec3, spacing: [1, 1, 1] as Vec3 };
    const inside = camera([2, 2, 2], [60, 40, 30], 1.2, 1, 0.1, 1000);
    const fine = k.select(t.nodes, t.count, 0, inside, { bytes: Infinity }, grid);
    const levelOf = (n: number) => k.core.memory.views().i32[(t.nodes >> 2) + n * 16 + 6];
    expect(levelOf(fine.selected[0])).toBe(0);
    const far = camera([-300, 24, 20], [32, 24, 20], 0.8, 1, 0.1, 1000);
    const coarse = k.select(t.nodes, t.count, 0, { ...far, threshold: 1e9 }, { bytes: Infinity }, grid);
    expect(k.select(t.nodes, t.count, 0, far, { bytes: Infinity }, grid).selected.length).toBeGreaterThan(1);
    expect([...coarse.selected]).toEqual([0]);
    const away = camera([-50, 24, 20], [-100, 24, 20], 0.8, 1, 0.1, 1000);
    expect(k.select(t.nodes, t.count, 0, away, { bytes: Infinity }, grid).selected.length).toBe(0);
    const tight = k.select(t.nodes, t.count, 0, inside, { bytes: 20_000 }, grid);
    expect(tight.selected.length).toBeLessThan(fine.selected.length);
    expect(tight.fetch.length + tight.draw.length).toBeGreaterThan(0);
  });
});
