/**
 * ds.selectLod against the octree's own invariants: the cut covers the
 * domain exactly once, respects the budget, refines near the eye, flags
 * uniform bricks, and reads hierarchy pages only (never a brick).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LodCamera } from "../../../src/core/lod";
import { type Dataset, openDataset } from "../../../src/reader";
import type { LodBrick } from "../../../src/reader/select-lod";
import type { Vec3 } from "../../../src/shared/types";
import { CountingSource, cleanupTemp, type Packed, packSmall } from "./fixtures";

afterAll(cleanupTemp);

const DIMS: Vec3 = [64, 48, 40];
let p: Packed;
let ds: Dataset;
beforeAll(async () => {
  // B = 16: levels 64×48×40 → 32×24×20 → 16×12×10 (4×3×3, 2×2×2, 1×1×1 bricks); x < 16 is constant (uniform bricks).
  p = await packSmall([{ name: "f", dtype: "f32", kind: "scalar" }], DIMS, {}, 9);
  ds = await openDataset(new CountingSource(p.bytes), { workers: false });
});

/** Frustum planes that contain everything: the test is about refinement, not culling. */
const EVERYWHERE = [1, 0, 0, 1e9, -1, 0, 0, 1e9, 0, 1, 0, 1e9, 0, -1, 0, 1e9, 0, 0, 1, 1e9, 0, 0, -1, 1e9];
const camera = (eye: Vec3, threshold = 8): LodCamera => ({
  eye,
  planes: EVERYWHERE,
  viewportHeight: 800,
  fovy: Math.PI / 4,
  threshold,
});
const BIG = { bytes: 1e12 };

const volume = (b: LodBrick) => {
  const s = ds.info.brickSize * 2 ** b.level;
  return [0, 1, 2].reduce(
    (v, k) => v * Math.max(0, Math.min(DIMS[k], (b.brick[k] + 1) * s) - b.brick[k] * s),
    1,
  );
};
const covers = (a: LodBrick, b: LodBrick) =>
  a.level > b.level &&
  [0, 1, 2].every((k) => Math.floor(b.brick[k] / 2 ** (a.level - b.level)) === a.brick[k]);

function expectPartition(bricks: LodBrick[]) {
  expect(bricks.reduce((s, b) => s + volume(b), 0)).toBe(DIMS[0] * DIMS[1] * DIMS[2]);
  for (const a of bricks)
    for (const b of bricks)
      expect(covers(a, b), `${a.level}/${a.brick} over ${b.level}/${b.brick}`).toBe(false);
}

describe("ds.selectLod", () => {
  it("far away: the root brick alone; close up: level-0 bricks near the eye, the cut a partition", async () => {
    const far = await ds.selectLod({ field: "f", t: 0, camera: camera([1e5, 1e5, 1e5]), budget: BIG });
    expect(far.bricks.map((b) => b.level)).toEqual([ds.info.levels.length - 1]);
    // 64 px: level-0 bricks within about 30 voxels of the eye, coarser beyond.
    const near = await ds.selectLod({ field: "f", t: 0, camera: camera([2, 2, 2], 64), budget: BIG });
    expectPartition(near.bricks);
    expect(near.bricks[0]).toMatchObject({ level: 0, brick: [0, 0, 0] }); // nearest first
    const farthest = near.bricks.find((b) => b.brick.every((v, k) => (v + 1) * 16 * 2 ** b.level >= DIMS[k]));
    expect(farthest?.level ?? 0).toBeGreaterThan(0);
    expect(new Set(near.bricks.map((b) => b.level)).size).toBeGreaterThan(1);
  });

  it("a tighter budget gives a coarser cut within the budget", async () => {
    const q = { field: "f", t: 0, camera: camera([2, 2, 2], 1) };
    const rich = await ds.selectLod({ ...q, budget: BIG });
    const budget = { bytes: Math.floor(rich.bytes / 4) };
    const poor = await ds.selectLod({ ...q, budget });
    expectPartition(poor.bricks);
    expect(poor.bytes).toBeLessThanOrEqual(budget.bytes);
    expect(poor.bricks.length).toBeLessThan(rich.bricks.length);
  });

  it("uniform bricks are in the cut but not to fetch; sizes come from the entries", async () => {
    const r = await ds.selectLod({ field: "f", t: 0, camera: camera([2, 2, 2], 0.5), budget: BIG });
    expect(r.bricks.every((b) => b.level === 0)).toBe(true);
    const uniform = r.bricks.filter((b) => b.uniform);
    expect(uniform.length).toBeGreaterThan(0);
    for (const b of uniform) expect(b).toMatchObject({ storedBytes: 0 });
    expect(r.fetch).toEqual(r.bricks.filter((b) => !b.uniform));
    for (const b of r.fetch) {
      const e = await ds.brickEntry(0, 0, b.level, b.brick);
      expect(b.storedBytes).toBe(e.length);
      expect(b.bytes).toBe(volume(b) * 4);
    }
  });

  it("reads hierarchy pages only, never a brick", async () => {
    const src = new CountingSource(p.bytes);
    const fresh = await openDataset(src, { workers: false });
    await fresh.selectLod({ field: "f", t: 2, camera: camera([2, 2, 2]), budget: BIG });
    expect(src.calls.filter((c) => c.purpose === "brick")).toEqual([]);
  });

  it("bad field or timestep → RangeError", async () => {
    await expect(
      ds.selectLod({ field: "f", t: 9, camera: camera([0, 0, 0]), budget: BIG }),
    ).rejects.toMatchObject({
      tag: "RangeError",
    });
  });
});
