/** Compare two datasets voxel for voxel: every field, timestep and level; brick stats; features and tracks. */
import { expect } from "vitest";
import { MATERIAL_FEATURES } from "../../../src/cli/demo";
import { verifyDataset } from "../../../src/cli/verify";
import { grayScottDemo } from "../../../src/demo/gray-scott";
import { MATERIALS, materialWorldDemo } from "../../../src/demo/material-world";
import type { PackFeatureOptions } from "../../../src/index/pack-features";
import { openDataset } from "../../../src/reader";
import type { Dataset } from "../../../src/reader/dataset";
import type { ArrayTimestepData, DatasetSpec } from "../../../src/writer/pack-types";

export interface Demo {
  name: string;
  spec: DatasetSpec;
  steps: ArrayTimestepData[];
  features: PackFeatureOptions;
}

/** Both demos, small, with their default features; steps held in memory so every part reads the same input. */
export function demos(steps = 7): Demo[] {
  const gs = grayScottDemo({ size: 40, steps, substeps: 20, seed: 3, fields: ["u", "v"] });
  const mw = materialWorldDemo({ size: 40, steps, substeps: 2, seed: 5 });
  return [
    {
      name: "scalar",
      spec: gs.spec,
      steps: [...gs.steps],
      features: { field: "v", threshold: 0.25, type: "spot" },
    },
    {
      name: "material",
      spec: mw.spec,
      steps: [...mw.steps],
      features: {
        materials: MATERIAL_FEATURES,
        materialNames: Object.fromEntries(MATERIALS.map((m) => [m.id, m.name])),
      },
    },
  ];
}

const bytesOf = (
  a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Everything a reader sees, equal; returns the number of voxels compared. */
export async function expectSameDataset(
  gotPath: string,
  wantPath: string,
  /** ignoreMetadata: metadata keys that differ between two runs by design (e.g. the demos' "created" time). */
  opts: { features?: boolean; ignoreMetadata?: string[] } = {},
) {
  const got = await openDataset(gotPath, { workers: false });
  const want = await openDataset(wantPath, { workers: false });
  const v = await verifyDataset(got);
  expect(v.error).toBeUndefined();
  expect(v.ok).toBe(true);
  expect(got.info.times).toEqual(want.info.times);
  expect(got.info.dims).toEqual(want.info.dims);
  expect(got.info.fields).toEqual(want.info.fields); // names, dtypes, fills, ranges
  const meta = (m: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !opts.ignoreMetadata?.includes(k)));
  expect(meta(got.info.metadata)).toEqual(meta(want.info.metadata));
  let voxels = 0;
  const { levels, fields, times } = want.info;
  for (let f = 0; f < fields.length; f++)
    for (let t = 0; t < times.length; t++)
      for (const g of levels) {
        const box = { min: [0, 0, 0] as [number, number, number], max: g.dims };
        const a = await got.readRegion({ field: f, t, level: g.level, box });
        const b = await want.readRegion({ field: f, t, level: g.level, box });
        expect(bytesOf(a).equals(bytesOf(b)), `field ${f} t ${t} level ${g.level}`).toBe(true);
        voxels += a.length;
        await expectSameStats(got, want, f, t, g.level, g.bricks);
      }
  if (opts.features) {
    const fa = await got.features();
    const fb = await want.features();
    expect(fa.length).toBeGreaterThan(0);
    expect(fa).toEqual(fb);
    const sa = await got.featureIndex.summary();
    const sb = await want.featureIndex.summary();
    expect(sa.tracks).toBe(sb.tracks);
    for (let id = 0; id < sb.tracks; id++) expect(await got.track(id)).toEqual(await want.track(id));
  }
  return voxels;
}

async function expectSameStats(
  got: Dataset,
  want: Dataset,
  f: number,
  t: number,
  level: number,
  bricks: number[],
) {
  for (let z = 0; z < bricks[2]; z++)
    for (let y = 0; y < bricks[1]; y++)
      for (let x = 0; x < bricks[0]; x++) {
        const a = await got.brickEntry(f, t, level, [x, y, z]);
        const b = await want.brickEntry(f, t, level, [x, y, z]);
        const stats = (e: typeof a) => [e.min, e.max, e.mean, e.homogeneity, e.validCount, e.encoding === 0];
        expect(stats(a)).toEqual(stats(b));
      }
}
