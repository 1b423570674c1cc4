/**
 * Checks a packed dataset against what the input's own library reports
 * (expectation JSON written next to the fixture by the same script): the
 * world coordinates of the 8 corner voxels' centres, their values, ds.sample
 * at those world points, and a world-space pick ray aimed at each of them.
 */
import { expect } from "vitest";
import type { Dataset } from "../../../src/reader/dataset";
import type { Vec3 } from "../../../src/shared/types";
import { applyPoint, gridToWorld } from "../../../src/shared/world-transform";

export interface Corner {
  ijk: Vec3;
  world: Vec3;
  /** One value per timestep (null: NaN / no data). */
  value: (number | null)[];
}

/** |a − b| ≤ 1e-4 relative (absolute below 1). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  for (let k = 0; k < want.length; k++) {
    const tol = 1e-4 * Math.max(1, Math.abs(want[k]));
    expect(Math.abs(got[k] - want[k]), `${what}[${k}]: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(tol);
  }
}

/** The stored value of a library value (f32 fields round it; null is NaN). */
const stored = (v: number | null, f32: boolean) => (v === null ? Number.NaN : f32 ? Math.fround(v) : v);

export async function expectCorners(
  ds: Dataset,
  corners: Corner[],
  field: string | number = 0,
): Promise<void> {
  expect(corners).toHaveLength(8);
  const f = ds.info.fields[typeof field === "number" ? field : ds.fieldIndex(field)];
  const f32 = f.dtype === "f32";
  const m = gridToWorld(ds.info);
  const centre = [0, 1, 2].map((a) => corners.reduce((s, c) => s + c.world[a], 0) / 8);
  for (const c of corners) {
    const p = c.ijk.map((i) => i + 0.5);
    expectClose(applyPoint(m, p), c.world, `world of voxel ${c.ijk}`);
    for (let t = 0; t < c.value.length; t++) {
      const want = stored(c.value[t], f32);
      const region = await ds.readRegion({
        field,
        t,
        box: { min: c.ijk, max: [c.ijk[0] + 1, c.ijk[1] + 1, c.ijk[2] + 1] },
      });
      expect(region[0], `value of voxel ${c.ijk} at t=${t}`).toBe(want);
      expect(await ds.sample({ field, t, point: c.world, space: "world" }), `sample at ${c.world}`).toBe(
        want,
      );
    }
    // From outside the grid, along the line from the grid's centre through the voxel's centre.
    const from = [0, 1, 2].map((a) => c.world[a] + 2 * (c.world[a] - centre[a])) as Vec3;
    const dir = [0, 1, 2].map((a) => c.world[a] - from[a]) as Vec3;
    const hit = await ds.pick({
      field,
      t: 0,
      ray: { origin: from, direction: dir },
      space: "world",
      threshold: -3e38,
    });
    expect(hit?.ijk, `pick aimed at voxel ${c.ijk}`).toEqual(c.ijk);
    expectClose(hit?.world ?? [], c.world, `picked world of voxel ${c.ijk}`);
    expect(hit?.value).toBe(stored(c.value[0], f32));
  }
}
