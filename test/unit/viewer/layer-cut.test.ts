import { describe, expect, it } from "vitest";
import type { OctNode } from "../../../src/core/octree";
import type { Vec3 } from "../../../src/shared/types";
import { coarsen } from "../../../src/viewer/layers/layer-cut";

/** Every level-0 cell of a grid of `cells` bricks is covered by exactly one node of the cut. */
function coverage(nodes: OctNode[], cells: number): number[] {
  const hits = new Array(cells ** 3).fill(0);
  for (const n of nodes) {
    const s = 2 ** n.level;
    for (let z = n.brick[2] * s; z < Math.min(cells, (n.brick[2] + 1) * s); z++)
      for (let y = n.brick[1] * s; y < Math.min(cells, (n.brick[1] + 1) * s); y++)
        for (let x = n.brick[0] * s; x < Math.min(cells, (n.brick[0] + 1) * s); x++)
          hits[x + cells * (y + cells * z)]++;
  }
  return hits;
}

describe("a layer's cut within its atlas", () => {
  const fine: OctNode[] = [];
  for (let z = 0; z < 4; z++)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) fine.push({ level: 0, brick: [x, y, z] as Vec3 });

  it("keeps a cut that fits", () => {
    expect(coarsen(fine, 64)).toBe(fine);
  });

  it("lifts the finest nodes to their parents until the cut fits, covering the same cells once", () => {
    const c = coarsen(fine, 20);
    expect(c.length).toBe(8);
    expect(c.every((n) => n.level === 1)).toBe(true);
    expect(coverage(c, 4).every((h) => h === 1)).toBe(true);
    const root = coarsen(fine, 1);
    expect(root).toEqual([{ level: 2, brick: [0, 0, 0] }]);
    // Never above the coarsest level of the dataset, even when that does not fit.
    expect(coarsen(fine, 1, 1).length).toBe(8);
  });

  it("lifts only the finest level of a mixed cut", () => {
    const mixed: OctNode[] = [
      { level: 1, brick: [1, 0, 0] },
      { level: 0, brick: [0, 0, 0] },
      { level: 0, brick: [1, 0, 0] },
      { level: 0, brick: [0, 1, 0] },
    ];
    const c = coarsen(mixed, 3);
    expect(c).toEqual([
      { level: 1, brick: [1, 0, 0] },
      { level: 1, brick: [0, 0, 0] },
    ]);
  });
});
