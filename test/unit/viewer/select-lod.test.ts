import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../../src/shared/types";
import { children, nodeBounds, type OctreeShape } from "../../../src/viewer/lod/octree";
import { nodeSse, selectLod } from "../../../src/viewer/lod/select-lod";

function shape(dims: Vec3, B: number): OctreeShape {
  const levels = [];
  let d: Vec3 = [...dims];
  for (let level = 0; ; level++) {
    const bricks = d.map((n) => Math.ceil(n / B)) as Vec3;
    levels.push({ level, dims: d, bricks });
    if (bricks.every((b) => b === 1)) break;
    d = d.map((n) => Math.ceil(n / 2)) as Vec3;
  }
  return { dims, brickSize: B, levels };
}

const S = shape([256, 256, 128], 32); // levels: 8x8x4, 4x4x2, 2x2x1, 1x1x1
const view = {
  spacing: [1, 1, 1] as Vec3,
  fovyRad: Math.PI / 4,
  viewportHeight: 800,
  thresholdPx: 16,
  maxNodes: 10_000,
};

describe("octree", () => {
  it("children stay inside the level's brick grid and bounds nest", () => {
    const root = { level: 3, brick: [0, 0, 0] as Vec3 };
    const kids = children(S, root);
    expect(kids).toHaveLength(4); // level 2 is 2x2x1
    const rb = nodeBounds(S, root);
    for (const k of kids) {
      const b = nodeBounds(S, k);
      for (let i = 0; i < 3; i++) {
        expect(b.min[i]).toBeGreaterThanOrEqual(rb.min[i]);
        expect(b.max[i]).toBeLessThanOrEqual(rb.max[i]);
      }
    }
  });
});

describe("selectLod", () => {
  it("uses sse = error × height / (2 × distance × tan(fovy/2))", () => {
    const n = { level: 2, brick: [0, 0, 0] as Vec3 };
    const eye: Vec3 = [-100, 64, 32]; // 100 voxels from the node's x=0 face
    const sse = nodeSse(S, n, { ...view, eye });
    expect(sse).toBeCloseTo((4 * 800) / (2 * 100 * Math.tan(Math.PI / 8)), 6);
  });

  it("refines near the eye more than far away and keeps every ancestor", () => {
    const sel = selectLod(S, { ...view, eye: [16, 16, 200] });
    const keys = new Set(sel.map((n) => `${n.level}/${n.brick}`));
    for (const n of sel)
      if (n.level < 3) expect(keys.has(`${n.level + 1}/${n.brick.map((b) => b >> 1)}`)).toBe(true);
    const fine = sel.filter((n) => n.level === 0);
    expect(fine.length).toBeGreaterThan(0);
    // Level-0 bricks selected only near the eye's corner.
    for (const n of fine) expect(n.brick[0] + n.brick[1]).toBeLessThan(8);
  });

  it("stops at coarse levels when far away, and respects the node budget and finest level", () => {
    expect(selectLod(S, { ...view, eye: [128, 128, 100_000] }).every((n) => n.level === 3)).toBe(true);
    const near = { ...view, eye: [128, 128, 64] as Vec3, thresholdPx: 0.001 };
    expect(selectLod(S, near).length).toBe(1 + 4 + 32 + 256);
    expect(selectLod(S, { ...near, maxNodes: 40 }).length).toBeLessThanOrEqual(40);
    expect(Math.min(...selectLod(S, { ...near, finestLevel: 1 }).map((n) => n.level))).toBe(1);
  });

  it("drops subtrees the visibility test rejects", () => {
    const sel = selectLod(S, {
      ...view,
      eye: [128, 128, 64],
      thresholdPx: 0.001,
      visible: (min) => min[0] < 128,
    });
    for (const n of sel) expect(nodeBounds(S, n).min[0]).toBeLessThan(128);
    expect(sel.some((n) => n.level === 0)).toBe(true);
  });
});
