import { describe, expect, it } from "vitest";
import { loadCore } from "../../../src/core/core";
import { downsampleMean, halfDims } from "../../../src/core/filters";
import { N_BYTES, NODE_WORDS } from "../../../src/core/layout";
import { buildLodTree, buildPickTree, type CachedState } from "../../../src/core/node-tree";
import { brickDims, nodeKey, type OctNode } from "../../../src/core/octree";
import { createRayKernels } from "../../../src/core/ray";
import type { Vec3 } from "../../../src/shared/types";
import { ViewerCoreService } from "../../../src/viewer/core/core-service";
import type { ViewerLevel } from "../../../src/viewer/data/viewer-types";
import { withAncestors } from "../../../src/viewer/lod/lod-selection";

function shapeOf(dims: Vec3, B: number) {
  const levels: ViewerLevel[] = [];
  let d = dims;
  for (let L = 0; ; L++) {
    levels.push({ level: L, dims: d, bricks: d.map((n) => Math.ceil(n / B)) as Vec3 });
    if (d.every((n) => n <= B)) break;
    d = halfDims(d);
  }
  return { dims, brickSize: B, levels, spacing: [1, 1, 1] as Vec3, origin: [0, 0, 0] as Vec3 };
}

/** Frustum planes of a wide box around everything (nothing culled). */
const OPEN = [1, 0, 0, 1e6, -1, 0, 0, 1e6, 0, 1, 0, 1e6, 0, -1, 0, 1e6, 0, 0, 1, 1e6, 0, 0, -1, 1e6];
const SLOT = 32 ** 3 * 2;

describe("LOD selection through the core kernel", () => {
  const S = shapeOf([256, 256, 256], 32);
  const cam = (eye: Vec3) => ({ eye, planes: OPEN, viewportHeight: 800, fovy: Math.PI / 4, threshold: 8 });
  const run = async (impl: "js" | "wasm-simd", eye: Vec3, budget: number, o = {}) => {
    const svc = new ViewerCoreService();
    await svc.init(impl);
    const tree = buildLodTree(S, { cost: () => SLOT, ...o });
    const r = await svc.selectLod({
      records: tree.records,
      count: tree.count,
      camera: cam(eye),
      budgetBytes: budget,
      origin: S.origin,
      spacing: S.spacing,
    });
    return { r, tree, cut: [...r.selected].map((i) => tree.nodes[i]) };
  };

  it("refines near the eye, stays coarse far away, and WASM and JS twins agree", async () => {
    const far = await run("js", [128, 128, 1e5], 1e12);
    expect(far.cut.map((n) => n.level)).toEqual([3]);
    const near = await run("js", [16, 16, 280], 1e12);
    const wasm = await run("wasm-simd", [16, 16, 280], 1e12);
    expect([...wasm.r.selected]).toEqual([...near.r.selected]);
    const lv = near.cut.map((n) => n.level);
    expect(Math.min(...lv)).toBe(0);
    expect(Math.max(...lv)).toBeGreaterThan(0);
    // The brick right below the eye is at full resolution, the far corner is not.
    const keys = near.cut.map((n) => nodeKey(n.level, n.brick));
    expect(keys).toContain("0/0,0,7");
    expect(keys).not.toContain("0/7,7,0");
  });

  it("keeps the cut within the byte budget and never refines below the finest level", async () => {
    const { cut, r } = await run("js", [16, 16, 280], 40 * SLOT);
    expect(r.bytes).toBeLessThanOrEqual(40 * SLOT);
    // Nothing is culled here, so the cut plus the ancestors the viewer keeps fit too.
    expect(withAncestors(cut, 3).length).toBeLessThanOrEqual(40);
    expect(withAncestors(cut, 3).length).toBeGreaterThan(30);
    const coarse = await run("js", [16, 16, 280], 1e12, { finestLevel: 1 });
    expect(Math.min(...coarse.cut.map((n) => n.level))).toBe(1);
  });

  it("drops bricks outside the clip box from the tree", async () => {
    const clip = { min: [0, 0, 0] as Vec3, max: [100, 256, 256] as Vec3 };
    const { cut } = await run("js", [16, 16, 280], 1e12, { clip });
    expect(cut.length).toBeGreaterThan(1);
    for (const n of cut) expect(n.brick[0] * 32 * 2 ** n.level).toBeLessThan(100);
  });

  it("spreads each node's cost over its descendants, so a cut pays for its ancestors too", () => {
    const cost = (n: OctNode) => (n.level === 1 ? 0 : SLOT);
    const tree = buildLodTree(S, { cost });
    const i32 = new Int32Array(tree.records);
    let leaves = 0;
    let all = 0;
    for (let i = 0; i < tree.count; i++) {
      all += cost(tree.nodes[i]);
      if (tree.nodes[i].level === 0) leaves += i32[i * NODE_WORDS + N_BYTES];
    }
    expect(Math.abs(leaves - all)).toBeLessThan(tree.count);
    expect(i32[N_BYTES]).toBe(SLOT); // the root carries only its own
  });

  it("adds the cut's ancestors, coarse first", () => {
    const cut: OctNode[] = [
      { level: 0, brick: [0, 0, 0] },
      { level: 0, brick: [1, 0, 0] },
      { level: 1, brick: [1, 1, 1] },
    ];
    const sel = withAncestors(cut, 3);
    const keys = sel.map((n) => nodeKey(n.level, n.brick));
    expect(keys).toContain("3/0,0,0");
    expect(keys).toContain("2/0,0,0");
    expect(keys).toContain("1/0,0,0");
    expect(new Set(keys).size).toBe(keys.length);
    const rank = (k: string) => sel[keys.indexOf(k)].rank;
    expect(rank("3/0,0,0")).toBeLessThan(rank("0/0,0,0"));
    expect(sel[keys.indexOf("1/0,0,0")].refined).toBe(true);
    expect(sel[keys.indexOf("0/0,0,0")].refined).toBe(false);
  });
});

describe("picking through the core's hierarchical DDA", () => {
  const B = 8;
  const dims: Vec3 = [32, 32, 32];
  const S = shapeOf(dims, B);
  // A sphere of value 1 inside 0.1 background, plus a small value gradient.
  const vol = new Float32Array(32 ** 3);
  for (let z = 0; z < 32; z++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const r = Math.hypot(x - 19.5, y - 14.5, z - 16.5);
        vol[x + 32 * (y + 32 * z)] = r < 7 ? 1 + x / 100 : 0.1;
      }
  const pyramid: Float32Array[] = [vol];
  let d = dims;
  while (pyramid.length < S.levels.length) {
    pyramid.push(downsampleMean(pyramid[pyramid.length - 1], d, "f32") as unknown as Float32Array);
    d = halfDims(d);
  }
  const brickOf = (n: OctNode): Float32Array => {
    const bd = brickDims(S, n);
    const ld = S.levels[n.level].dims;
    const out = new Float32Array(bd[0] * bd[1] * bd[2]);
    for (let z = 0; z < bd[2]; z++)
      for (let y = 0; y < bd[1]; y++)
        for (let x = 0; x < bd[0]; x++) {
          const g = [n.brick[0] * B + x, n.brick[1] * B + y, n.brick[2] * B + z];
          out[x + bd[0] * (y + bd[1] * z)] = pyramid[n.level][g[0] + ld[0] * (g[1] + ld[1] * g[2])];
        }
    return out;
  };
  const pick = async (
    cachedLevels: (n: OctNode) => boolean,
    origin: Vec3,
    direction: Vec3,
    threshold = 0.5,
  ) => {
    const values = new Map<string, Float32Array>();
    const cached = (n: OctNode): CachedState | undefined => {
      if (!cachedLevels(n)) return undefined;
      const data = brickOf(n);
      const key = nodeKey(n.level, n.brick);
      values.set(key, data);
      let min = Infinity;
      let max = -Infinity;
      for (const v of data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      return min === max ? { kind: "uniform", value: min } : { kind: "data", key, min, max };
    };
    const tree = buildPickTree(S, cached);
    const svc = new ViewerCoreService();
    await svc.init("js");
    const q = {
      records: tree.records,
      count: tree.count,
      resident: [...tree.resident],
      dtype: "f32" as const,
      origin,
      direction,
      tMin: 0,
      tMax: Infinity,
      test: { threshold },
    };
    const first = await svc.pick({ ...q, records: tree.records.slice(0) });
    if (!first.missing) return first as { hit?: undefined; unresolved: number };
    const again = await svc.pick({
      ...q,
      records: tree.records.slice(0),
      bricks: (first.missing ?? []).map((k) => [k, values.get(k)!]),
    });
    expect(again.missing).toBeUndefined();
    return again as { hit?: { ijk: Vec3; value: number; level: number; t: number }; unresolved: number };
  };

  it("finds the same voxel as a voxel-by-voxel walk over the whole grid", async () => {
    const core = await loadCore({ implementation: "js" });
    const rays = await createRayKernels(core);
    const ptr = core.memory.copyIn(vol);
    for (const [o, dir] of [
      [
        [-5, 14.2, 16.1],
        [1, 0.02, 0.01],
      ],
      [
        [19.3, -3, 40],
        [0.05, 0.6, -0.7],
      ],
      [
        [40, 40, 40],
        [-1, -1.1, -0.9],
      ],
    ] as [Vec3, Vec3][]) {
      const oracle = rays.brick(ptr, "f32", dims, { origin: o, direction: dir }, { threshold: 0.5 });
      const r = await pick(() => true, o, dir);
      expect(r.hit?.level).toBe(0);
      expect(r.hit?.ijk).toEqual(oracle.hit?.ijk);
      expect(r.hit?.value).toBe(oracle.hit?.value);
    }
  });

  it("answers from a coarse brick when only coarse data is cached, and reports misses", async () => {
    const r = await pick((n) => n.level >= 1, [-5, 14.2, 16.1], [1, 0.02, 0.01]);
    expect(r.hit?.level).toBe(1);
    const part = await pick((n) => n.level >= 1 || n.brick[0] >= 1, [-5, 14.2, 16.1], [1, 0.02, 0.01]);
    expect(part.hit?.level).toBe(0);
    const miss = await pick(() => true, [-5, 30.5, 30.5], [1, 0, 0]);
    expect(miss.hit).toBeUndefined();
  });

  it("counts regions with nothing cached as unresolved", async () => {
    const r = await pick((n) => n.level === 0 && n.brick[0] === 0, [-5, 14.2, 16.1], [1, 0.02, 0.01]);
    expect(r.hit).toBeUndefined();
    expect(r.unresolved).toBeGreaterThan(0);
  });
});
