/**
 * Pack an input with the real packer, open the .fvx and compare every voxel
 * of every field and timestep with what the writing library reported (an
 * expectation JSON: values x fastest, null = no data).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { openDataset } from "../../../src/reader";
import type { Vec3 } from "../../../src/shared/types";
import type { InputDataset } from "../../../src/writer/inputs/series";
import { packDataset } from "../../../src/writer/packer";
import { tempDir } from "../reader/fixtures";

export const fixture = (...p: string[]) => join(__dirname, "../../fixtures", ...p);

export function expectation<T = Record<string, unknown>>(...p: string[]): T {
  return JSON.parse(readFileSync(fixture(...p), "utf8")) as T;
}

export async function packAndOpen(input: InputDataset) {
  const out = join(tempDir(), "x.fvx");
  await packDataset(input.spec, input.steps, out, { brickSize: 16, workers: 0 });
  return openDataset(out, { workers: false });
}

type Opened = Awaited<ReturnType<typeof packAndOpen>>;

/** Every voxel of `field` at every timestep equals the expectation (f32-rounded; null = NaN or the fill). */
export async function expectVoxels(ds: Opened, field: string, values: (number | null)[][]) {
  const dims = ds.info.dims as Vec3;
  const info = ds.info.fields.find((f) => f.name === field);
  expect(info, `field ${field}`).toBeDefined();
  expect(values).toHaveLength(ds.info.times.length);
  for (let t = 0; t < values.length; t++) {
    const got = await ds.readRegion({ field, t, box: { min: [0, 0, 0], max: dims } });
    const want = values[t];
    expect(got.length).toBe(want.length);
    let bad = 0;
    let first = "";
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      const g = got[i];
      const ok =
        w === null
          ? Number.isNaN(g) || (info?.fill !== null && info?.fill !== undefined && g === info.fill)
          : info?.dtype === "f32"
            ? g === Math.fround(w)
            : g === w;
      if (!ok) {
        if (!bad) first = `t${t} i${i}: want ${w}, got ${g}`;
        bad++;
      }
    }
    expect(bad, `${field}: ${bad} voxels differ, first ${first}`).toBe(0);
  }
}
