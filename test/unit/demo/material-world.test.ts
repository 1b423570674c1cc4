import { describe, expect, it } from "vitest";
import { initialTerrain, MAT, MATERIALS, materialWorldDemo } from "../../../src/demo/material-world";
import { Landscape } from "../../../src/demo/terrain-erosion";
import type { ArrayTimestepData } from "../../../src/writer/pack-types";

function grids(opts: Parameters<typeof materialWorldDemo>[0]): Uint16Array[] {
  return [...materialWorldDemo(opts).steps].map((s: ArrayTimestepData) => s.fields.material as Uint16Array);
}

describe("Landscape", () => {
  it("routes every cell to the domain edge and erodes channels", () => {
    const n = 32;
    const h0 = initialTerrain(n, n, 32, 4);
    const land = new Landscape(n, n, h0);
    let outflow = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (x === 0 || y === 0 || x === n - 1 || y === n - 1) outflow += land.area[x + n * y];
      }
    }
    expect(outflow).toBe(n * n); // all rain leaves through the edges
    const before = land.h.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 10; i++) land.step(0);
    const after = land.h.reduce((a, b) => a + b, 0);
    expect(after).toBeLessThan(before); // sediment left the domain
    expect(land.bedrock.every((b, i) => b <= land.h[i] + 1e-9)).toBe(true);
  });
});

describe("materialWorldDemo", () => {
  it("describes the dataset with a palette", () => {
    const { spec } = materialWorldDemo({ size: [40, 36, 24], steps: 3 });
    expect(spec.dims).toEqual([40, 36, 24]);
    expect(spec.fields).toMatchObject([{ name: "material", dtype: "u16", kind: "categorical" }]);
    expect(spec.times).toEqual([20, 24, 28]);
    const palette = spec.metadata?.palette as { id: number; name: string; color: number[] }[];
    expect(palette.map((p) => p.id)).toEqual(MATERIALS.map((m) => m.id));
    expect(palette.find((p) => p.id === MAT.water)?.name).toBe("water");
    expect(palette.every((p) => p.color.length === 3)).toBe(true);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = grids({ size: 32, steps: 3, seed: 2 });
    const b = grids({ size: 32, steps: 3, seed: 2 });
    const c = grids({ size: 32, steps: 3, seed: 3 });
    for (let t = 0; t < 3; t++) expect(Buffer.from(a[t].buffer).equals(Buffer.from(b[t].buffer))).toBe(true);
    expect(Buffer.from(a[2].buffer).equals(Buffer.from(c[2].buffer))).toBe(false);
  });

  it("is layered, with air on top, and changes sparsely over time", () => {
    // Measured at 48×40×32, seed 3: all of ids 0..10 present; 0.05%–0.7% of voxels change per step.
    const [nx, ny, nz] = [48, 40, 32];
    const gs = grids({ size: [nx, ny, nz], steps: 5, seed: 3 });
    const nxy = nx * ny;
    for (const g of gs) {
      const present = new Set(g);
      expect(present.size).toBeGreaterThanOrEqual(8);
      for (const id of [MAT.air, MAT.water, MAT.soil, MAT.granite, MAT.limestone, MAT.shale])
        expect(present.has(id)).toBe(true);
      expect(Math.max(...present)).toBeLessThan(MATERIALS.length);
      let topAir = true;
      let baseGranite = true;
      for (let i = 0; i < nxy; i++) {
        topAir &&= g[i + nxy * (nz - 1)] === MAT.air;
        baseGranite &&= g[i] === MAT.granite;
      }
      expect(topAir).toBe(true);
      expect(baseGranite).toBe(true);
      // Columns are air from the surface up: nothing solid floats above air.
      let floating = 0;
      for (let i = 0; i < nxy; i++) {
        let seenAir = false;
        for (let z = 0; z < nz; z++) {
          const m = g[i + nxy * z];
          if (m === MAT.air) seenAir = true;
          else if (seenAir) floating++;
        }
      }
      expect(floating).toBe(0);
    }
    let changedSomewhere = false;
    for (let t = 1; t < gs.length; t++) {
      let changed = 0;
      for (let i = 0; i < gs[t].length; i++) if (gs[t][i] !== gs[t - 1][i]) changed++;
      const fraction = changed / gs[t].length;
      expect(fraction).toBeLessThan(0.02);
      if (fraction > 0) changedSomewhere = true;
    }
    expect(changedSomewhere).toBe(true);
    // Changes stay near the surface: the lower third never changes.
    const deep = nxy * Math.floor(nz / 3);
    expect(Buffer.from(gs[4].buffer, 0, deep * 2).equals(Buffer.from(gs[0].buffer, 0, deep * 2))).toBe(true);
  });
});
