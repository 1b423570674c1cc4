import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../../src/shared/types";
import type { BrickSummary } from "../../../src/viewer/data/viewer-types";
import { type CachedBrick, pickVoxel } from "../../../src/viewer/pick/voxel-pick";

const B = 8;
const dims0: Vec3 = [32, 32, 32];

/** A 32³ grid of 8³ bricks holding one solid voxel at `hit` (value 5). */
function grid(hit: Vec3, levelOf: (cell: Vec3) => number | undefined) {
  const summaries = new Map<string, CachedBrick>();
  return {
    dims0,
    brickSize: B,
    resolve(cell: Vec3): CachedBrick | undefined {
      const L = levelOf(cell);
      if (L === undefined) return undefined;
      const b = cell.map((c) => c >> L) as Vec3;
      const key = `${L}/${b}`;
      let cb = summaries.get(key);
      if (!cb) {
        const s = 2 ** L;
        const bd = b.map((bi, i) => Math.min(B, dims0[i] / s - bi * B)) as Vec3;
        const data = new Float32Array(bd[0] * bd[1] * bd[2]);
        const local = hit.map((h, i) => Math.floor(h / s) - b[i] * B);
        let max = 0;
        if (local.every((v, i) => v >= 0 && v < bd[i])) {
          data[local[0] + bd[0] * (local[1] + bd[1] * local[2])] = L === 0 ? 5 : 5 / s ** 3;
          max = data[local[0] + bd[0] * (local[1] + bd[1] * local[2])];
        }
        const summary: BrickSummary = { contentKey: key, min: 0, max, length: 1 };
        cb = { level: L, brick: b, summary, data, dims: bd };
        summaries.set(key, cb);
      }
      return cb;
    },
  };
}

const test = (thr: number) => ({ voxel: (v: number) => v >= thr, brick: (s: BrickSummary) => s.max >= thr });

describe("pickVoxel", () => {
  it("finds the first solid voxel along an axis ray at level 0", () => {
    const hit = pickVoxel(
      grid([20, 9, 13], () => 0),
      { origin: [-5, 9.5, 13.5], dir: [1, 0, 0] },
      test(1),
    );
    expect(hit).toMatchObject({ ijk: [20, 9, 13], level: 0, exact: true, value: 5 });
    expect(hit!.distance).toBeCloseTo(25, 5);
  });

  it("walks diagonal rays and misses when nothing passes", () => {
    const d = Math.sqrt(3);
    const hit = pickVoxel(
      grid([17, 17, 17], () => 0),
      { origin: [0.5, 0.5, 0.5], dir: [1 / d, 1 / d, 1 / d] },
      test(1),
    );
    expect(hit?.ijk).toEqual([17, 17, 17]);
    expect(
      pickVoxel(
        grid([17, 17, 17], () => 0),
        { origin: [0.5, 0.5, 0.5], dir: [1 / d, 1 / d, 1 / d] },
        test(6),
      ),
    ).toBeUndefined();
  });

  it("reports a coarse hit when only a coarse brick is cached", () => {
    const hit = pickVoxel(
      grid([20, 9, 13], () => 1),
      { origin: [-5, 9.5, 13.5], dir: [1, 0, 0] },
      test(0.1),
    );
    expect(hit).toMatchObject({ level: 1, exact: false, levelIjk: [10, 4, 6] });
    expect(hit!.ijk[0]).toBe(20);
  });

  it("skips cells with nothing cached and flags the gap", () => {
    const hit = pickVoxel(
      grid([20, 9, 13], (c) => (c[0] === 1 ? undefined : 0)),
      { origin: [-5, 9.5, 13.5], dir: [1, 0, 0] },
      test(1),
    );
    expect(hit).toMatchObject({ ijk: [20, 9, 13], gaps: true });
  });

  it("honours the clip box", () => {
    const g = grid([20, 9, 13], () => 0);
    expect(
      pickVoxel(g, { origin: [-5, 9.5, 13.5], dir: [1, 0, 0] }, test(1), {
        min: [0, 0, 0],
        max: [16, 32, 32],
      }),
    ).toBeUndefined();
  });
});
